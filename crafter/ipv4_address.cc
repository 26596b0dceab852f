#include "crafter/ipv4_address.h"

namespace hoplab::crafter {

std::optional<Ipv4Address> Ipv4Address::Parse(std::string_view text) {
  uint32_t value = 0;
  size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') {
        return std::nullopt;
      }
      ++pos;
    }
    // One to three decimal digits, at most 255.
    uint32_t number = 0;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' &&
           digits < 3) {
      number = number * 10 + static_cast<uint32_t>(text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || number > 255) {
      return std::nullopt;
    }
    value = (value << 8) | number;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  return Ipv4Address(value);
}

std::string Ipv4Address::ToString() const {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    text += std::to_string((value_ >> shift) & 0xff);
    if (shift > 0) {
      text += '.';
    }
  }
  return text;
}

std::ostream& operator<<(std::ostream& os, Ipv4Address address) {
  return os << address.ToString();
}

}  // namespace hoplab::crafter
