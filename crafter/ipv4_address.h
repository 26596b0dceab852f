// Ipv4Address: a value type for an IPv4 address, held in host order.

#ifndef HOPLAB_CRAFTER_IPV4_ADDRESS_H_
#define HOPLAB_CRAFTER_IPV4_ADDRESS_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace hoplab::crafter {

class Ipv4Address {
 public:
  // 0.0.0.0.
  constexpr Ipv4Address() = default;
  // `value` in host order: 10.0.0.1 is 0x0a000001.
  constexpr explicit Ipv4Address(uint32_t value) : value_(value) {}

  static constexpr Ipv4Address FromOctets(uint8_t a, uint8_t b, uint8_t c,
                                          uint8_t d) {
    return Ipv4Address((uint32_t{a} << 24) | (uint32_t{b} << 16) |
                       (uint32_t{c} << 8) | uint32_t{d});
  }

  // Accepts only strict dotted quads ("192.0.2.1"): four decimal octets of
  // at most 3 digits each, no leading '+', no trailing text. nullopt
  // otherwise.
  static std::optional<Ipv4Address> Parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  constexpr bool IsUnspecified() const { return value_ == 0; }
  // Whether one host can own the address: not in 0.0.0.0/8, "this
  // network" (RFC 1122 §3.2.1.3), not multicast 224.0.0.0/4 (RFC 5771),
  // not the reserved 240.0.0.0/4 (RFC 1112 §4) that holds the limited
  // broadcast 255.255.255.255 (RFC 919).
  constexpr bool IsUnicast() const {
    const uint32_t first_octet = value_ >> 24;
    return first_octet != 0 && first_octet < 224;
  }
  std::string ToString() const;

  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  uint32_t value_ = 0;
};

std::ostream& operator<<(std::ostream& os, Ipv4Address address);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_IPV4_ADDRESS_H_
