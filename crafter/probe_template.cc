#include "crafter/probe_template.h"

#include <cstring>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

using namespace probe_template_internal;

// The 16-bit words of the transport header that probes rewrite.
std::span<const size_t> VariantWordOffsets(ProbeMethod method) {
  static constexpr size_t kIcmp[] = {kIcmpSequenceOffset};
  static constexpr size_t kUdp[] = {kSourcePortOffset, kDestinationPortOffset};
  static constexpr size_t kTcp[] = {kSourcePortOffset, kDestinationPortOffset,
                                    kTcpSequenceOffset, kTcpSequenceOffset + 2};
  switch (method) {
    case ProbeMethod::kIcmp:
      return kIcmp;
    case ProbeMethod::kUdp:
      return kUdp;
    case ProbeMethod::kTcp:
      return kTcp;
  }
  return {};
}

bool IsParis(const ProbeSpec& spec) {
  return spec.fixed_checksum.has_value() && spec.method != ProbeMethod::kTcp;
}

// The ones' complement of a word: what RFC 1624 eqn. 3 adds to take the
// word out of a sum.
uint64_t Removed(uint16_t word) { return uint16_t(~word); }

}  // namespace

ProbeVariant ProbeVariant::Of(const ProbeSpec& spec) {
  ProbeVariant variant;
  variant.ttl = spec.ttl;
  variant.ip_id = spec.ip_id;
  variant.icmp_sequence = spec.icmp_sequence;
  variant.source_port = spec.source_port;
  variant.destination_port = spec.destination_port;
  variant.tcp_sequence = spec.tcp_sequence;
  variant.fixed_checksum = spec.fixed_checksum;
  return variant;
}

std::optional<ProbeTemplate> ProbeTemplate::Create(const ProbeSpec& spec) {
  ProbeTemplate probe(spec);
  probe.bytes_.resize(spec.packet_size);
  if (BuildProbe(spec, probe.bytes_) == 0) {
    return std::nullopt;
  }
  const std::span<const uint8_t> ip(probe.bytes_);
  probe.ip_sum_ = Removed(LoadU16(ip, kIpv4ChecksumOffset)) +
                  Removed(LoadU16(ip, kIpIdOffset)) +
                  Removed(LoadU16(ip, kIpTtlProtocolOffset));

  const std::span<const uint8_t> transport = ip.subspan(kIpv4MinHeaderSize);
  uint64_t sum = Removed(
      LoadU16(transport, ProbeTemplate::TransportChecksumOffset(spec.method)));
  for (size_t offset : VariantWordOffsets(spec.method)) {
    sum += Removed(LoadU16(transport, offset));
  }
  // Paris: the adjusted data word leaves the sum, so that the prepared sum
  // is the one BuildProbe computes with that word at zero.
  if (IsParis(spec)) {
    sum += Removed(LoadU16(transport, kParisWordOffset));
  }
  probe.transport_sum_ = sum;
  probe.paris_ = IsParis(spec);
  probe.protocol_ = probe.bytes_[kIpTtlProtocolOffset + 1];
  return probe;
}

ProbeSpec ProbeTemplate::SpecFor(const ProbeVariant& variant) const {
  ProbeSpec spec = spec_;
  spec.ttl = variant.ttl;
  spec.ip_id = variant.ip_id;
  spec.icmp_sequence = variant.icmp_sequence;
  spec.source_port = variant.source_port;
  spec.destination_port = variant.destination_port;
  spec.tcp_sequence = variant.tcp_sequence;
  spec.fixed_checksum = variant.fixed_checksum;
  return spec;
}

}  // namespace hoplab::crafter
