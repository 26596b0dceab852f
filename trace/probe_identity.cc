#include "trace/probe_identity.h"

namespace hoplab::trace {

using crafter::ProbeMethod;

uint16_t ProbeIdentity::ParisIcmpChecksum() const {
  const uint16_t value = static_cast<uint16_t>(options_.icmp_id ^ 0x5a5a);
  return value == 0 || value == 0xffff ? uint16_t{0x5a5a} : value;
}

crafter::ProbeSpec ProbeIdentity::SpecFor(size_t index, uint8_t ttl,
                                          uint16_t ip_id) const {
  crafter::ProbeSpec spec;
  spec.method = options_.method;
  spec.source = options_.source;
  spec.destination = options_.destination;
  spec.ttl = ttl;
  spec.tos = options_.tos;
  spec.ip_id = ip_id;
  spec.dont_fragment = options_.dont_fragment;
  spec.packet_size = options_.packet_size;
  const size_t number = index + options_.first_probe_number;
  const auto k16 = static_cast<uint16_t>(number);
  switch (options_.method) {
    case ProbeMethod::kIcmp:
      spec.icmp_id = options_.icmp_id;
      spec.icmp_sequence = static_cast<uint16_t>(options_.first_sequence + k16);
      if (options_.paris) {
        spec.fixed_checksum = ParisIcmpChecksum();
      }
      break;
    case ProbeMethod::kUdp:
      spec.source_port = options_.source_port;
      spec.destination_port = options_.destination_port;
      if (options_.paris) {
        spec.fixed_checksum = static_cast<uint16_t>(kParisFirstChecksum + k16);
      } else {
        spec.destination_port =
            static_cast<uint16_t>(options_.destination_port + k16);
      }
      break;
    case ProbeMethod::kTcp:
      spec.source_port = options_.source_port;
      spec.destination_port = options_.destination_port;
      spec.tcp_sequence = options_.tcp_sequence;
      if (options_.paris) {
        spec.tcp_sequence =
            options_.tcp_sequence + static_cast<uint32_t>(number);
      } else {
        spec.source_port = static_cast<uint16_t>(options_.source_port + k16);
      }
      break;
  }
  return spec;
}

namespace {

// IP ids run through 1..65535: this many of them.
constexpr size_t kNumIpIds = 65535;

// The position of `ip_id` (1..65535) in that cycle, 0 for id 1; id 0 is
// read as 65535.
size_t IpIdPosition(uint16_t ip_id) {
  return (size_t{ip_id} + kNumIpIds - 1) % kNumIpIds;
}

}  // namespace

uint16_t ProbeIdentity::IpIdFor(uint16_t first_ip_id, size_t number) {
  return static_cast<uint16_t>(
      (IpIdPosition(first_ip_id) + number) % kNumIpIds + 1);
}

std::optional<size_t> ProbeIdentity::NumberOfIpId(uint16_t first_ip_id,
                                                  uint16_t ip_id) {
  if (ip_id == 0) {
    return std::nullopt;
  }
  return (IpIdPosition(ip_id) + kNumIpIds - IpIdPosition(first_ip_id)) %
         kNumIpIds;
}

bool ProbeIdentity::FindIndex(const crafter::ProbeKey& key,
                              size_t* index) const {
  if (key.method != options_.method ||
      key.destination != options_.destination) {
    return false;
  }
  // Unsigned differences wrap as the fields do; the number found is
  // first_probe_number + index.
  const auto index16 = [&](uint16_t number) {
    *index = uint16_t(number - uint16_t(options_.first_probe_number));
    return true;
  };
  switch (options_.method) {
    case ProbeMethod::kIcmp:
      if (key.icmp_id != options_.icmp_id) {
        return false;
      }
      return index16(uint16_t(key.icmp_sequence - options_.first_sequence));
    case ProbeMethod::kUdp:
      if (key.source_port != options_.source_port) {
        return false;
      }
      if (options_.paris) {
        if (key.destination_port != options_.destination_port) {
          return false;
        }
        return index16(uint16_t(key.udp_checksum - kParisFirstChecksum));
      }
      return index16(
          uint16_t(key.destination_port - options_.destination_port));
    case ProbeMethod::kTcp:
      if (key.destination_port != options_.destination_port) {
        return false;
      }
      if (options_.paris) {
        if (key.source_port != options_.source_port) {
          return false;
        }
        *index = size_t{key.tcp_sequence - options_.tcp_sequence -
                        options_.first_probe_number};
        return true;
      }
      return index16(uint16_t(key.source_port - options_.source_port));
  }
  return false;
}

}  // namespace hoplab::trace
