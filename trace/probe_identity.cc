#include "trace/probe_identity.h"

namespace hoplab::trace {

using crafter::ProbeMethod;

uint16_t ProbeIdentity::ParisIcmpChecksum() const {
  const uint16_t value = static_cast<uint16_t>(options_.icmp_id ^ 0x5a5a);
  return value == 0 || value == 0xffff ? uint16_t{0x5a5a} : value;
}

namespace {

// The size of the range the varying field of `options`' probes counts in.
size_t RangeSize(const TraceOptions& options) {
  constexpr size_t kNum16 = size_t{1} << 16;
  switch (options.method) {
    case ProbeMethod::kIcmp:
      return kNum16;
    case ProbeMethod::kUdp:
      return kNum16 - (options.paris ? ProbeIdentity::kParisFirstChecksum
                                     : options.destination_port);
    case ProbeMethod::kTcp:
      return options.paris ? size_t{1} << 32 : kNum16 - options.source_port;
  }
  return kNum16;
}

}  // namespace

ProbeIdentity::ProbeIdentity(const TraceOptions& options)
    : options_(options),
      num_distinct_(RangeSize(options)),
      first_offset_(options.first_probe_number % num_distinct_) {}

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
  // Where probe `index` lies in its field's range: below NumDistinct(),
  // so the sums below stay within the range.
  const size_t offset = (first_offset_ + index) % num_distinct_;
  const auto offset16 = static_cast<uint16_t>(offset);
  switch (options_.method) {
    case ProbeMethod::kIcmp:
      spec.icmp_id = options_.icmp_id;
      spec.icmp_sequence =
          static_cast<uint16_t>(options_.first_sequence + offset16);
      if (options_.paris) {
        spec.fixed_checksum = ParisIcmpChecksum();
      }
      break;
    case ProbeMethod::kUdp:
      spec.source_port = options_.source_port;
      spec.destination_port = options_.destination_port;
      if (options_.paris) {
        spec.fixed_checksum =
            static_cast<uint16_t>(kParisFirstChecksum + offset);
      } else {
        spec.destination_port =
            static_cast<uint16_t>(options_.destination_port + offset);
      }
      break;
    case ProbeMethod::kTcp:
      spec.source_port = options_.source_port;
      spec.destination_port = options_.destination_port;
      spec.tcp_sequence = options_.tcp_sequence;
      if (options_.paris) {
        spec.tcp_sequence =
            options_.tcp_sequence + static_cast<uint32_t>(offset);
      } else {
        spec.source_port = static_cast<uint16_t>(options_.source_port + offset);
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
  // Step: the field's offset into its range. A port or Paris checksum
  // below the range's start leaves it at num_distinct_, which no probe of
  // this trace has.
  size_t offset = num_distinct_;
  const auto offset_above = [&offset](uint16_t value, uint16_t first) {
    if (value >= first) {
      offset = size_t{value} - first;
    }
  };
  switch (options_.method) {
    case ProbeMethod::kIcmp:
      if (key.icmp_id != options_.icmp_id) {
        return false;
      }
      // Sequences use all 2^16 values: the difference wraps as they do.
      offset = uint16_t(key.icmp_sequence - options_.first_sequence);
      break;
    case ProbeMethod::kUdp:
      if (key.source_port != options_.source_port) {
        return false;
      }
      if (!options_.paris) {
        offset_above(key.destination_port, options_.destination_port);
      } else if (key.destination_port == options_.destination_port) {
        offset_above(key.udp_checksum, kParisFirstChecksum);
      }
      break;
    case ProbeMethod::kTcp:
      if (key.destination_port != options_.destination_port) {
        return false;
      }
      if (!options_.paris) {
        offset_above(key.source_port, options_.source_port);
      } else if (key.source_port == options_.source_port) {
        offset = uint32_t(key.tcp_sequence - options_.tcp_sequence);
      }
      break;
  }
  if (offset >= num_distinct_) {
    return false;
  }

  // Step: the offset is that of number first_probe_number + index, modulo
  // the range's size; both offsets lie below it.
  *index = offset >= first_offset_ ? offset - first_offset_
                                   : offset + num_distinct_ - first_offset_;
  return true;
}

}  // namespace hoplab::trace
