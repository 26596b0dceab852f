#include "cli/number_check.h"

#include <charconv>
#include <system_error>

namespace hoplab::cli {

std::string WholeNumberProblem(const std::string& text, uint64_t min,
                               uint64_t max) {
  const std::string range =
      "from " + std::to_string(min) + " to " + std::to_string(max);
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  // from_chars reads no sign or space for unsigned types; the first
  // character is checked anyway so that "-1" is never read as a huge value.
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  const bool digits_only =
      !text.empty() && text[0] >= '0' && text[0] <= '9' && stop == end;
  if (digits_only && error == std::errc() && value >= min && value <= max) {
    return "";
  }
  return "expected a whole number " + range + ", got '" + text + "'";
}

CLI::Validator WholeNumberIn(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) {
        return WholeNumberProblem(text, min, max);
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

}  // namespace hoplab::cli
