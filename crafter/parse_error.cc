#include "crafter/parse_error.h"

namespace hoplab::crafter {

std::string ParseError::ToString() const {
  return std::string(reason) + " at byte " + std::to_string(offset);
}

std::ostream& operator<<(std::ostream& os, const ParseError& error) {
  return os << error.ToString();
}

}  // namespace hoplab::crafter
