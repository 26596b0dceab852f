// ProbeTemplate: the probes of one trace, built once and patched per probe.
//
// The probes of a trace share every byte but a few fields: the TTL and IP
// id in the IPv4 header, and the fields ProbeIdentity varies (ICMP
// sequence, UDP or TCP ports, TCP sequence number, the Paris checksum).
// The template holds one probe built by BuildProbe; each probe copies it
// and rewrites those fields, updating both checksums incrementally
// (RFC 1624) instead of summing the datagram again.

#ifndef HOPLAB_CRAFTER_PROBE_TEMPLATE_H_
#define HOPLAB_CRAFTER_PROBE_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/probe.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {

// The fields that differ from one probe of a trace to the next. Fields
// that do not belong to the template's method are ignored.
struct ProbeVariant {
  uint8_t ttl = 1;
  // Must not be zero (see ProbeSpec::ip_id).
  uint16_t ip_id = 1;
  uint16_t icmp_sequence = 0;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  uint32_t tcp_sequence = 0;
  // Paris ICMP and UDP: the checksum to come out with. Set exactly when the
  // template's spec has a fixed checksum; TCP ignores it.
  std::optional<uint16_t> fixed_checksum;

  // The variant fields of `spec`.
  static ProbeVariant Of(const ProbeSpec& spec);
};

class ProbeTemplate {
 public:
  // Builds the template from `spec`, whose fixed fields (method, addresses,
  // TOS, DF, size, ICMP identifier) every probe shares. Returns nullopt
  // when BuildProbe cannot build `spec`.
  static std::optional<ProbeTemplate> Create(const ProbeSpec& spec);

  // Writes the probe with the template's fixed fields and `variant`'s
  // variable ones into `out`: the bytes BuildProbe writes for that spec.
  // Returns the size written, or 0 when `out` is too small, the IP id is
  // 0, or `variant` has a fixed checksum exactly when the template has none
  // (or a zero one for UDP). Allocates nothing.
  size_t Build(const ProbeVariant& variant, std::span<uint8_t> out) const;

  // The spec whose probe Build writes for `variant`.
  ProbeSpec SpecFor(const ProbeVariant& variant) const;

  const ProbeSpec& spec() const { return spec_; }

 private:
  explicit ProbeTemplate(const ProbeSpec& spec) : spec_(spec) {}

  // The transport header every probe of `method` holds whole, and where
  // its checksum lies (RFC 792, RFC 768, RFC 9293 §3.1).
  static constexpr size_t TransportHeaderSize(ProbeMethod method) {
    return method == ProbeMethod::kTcp ? kTcpMinHeaderSize : kIcmpHeaderSize;
  }
  static constexpr size_t TransportChecksumOffset(ProbeMethod method) {
    return method == ProbeMethod::kIcmp  ? kIcmpChecksumOffset
           : method == ProbeMethod::kUdp ? kUdpChecksumOffset
                                         : kTcpChecksumOffset;
  }

  // Writes the transport fields of `variant` into `header` and returns
  // the sum of the new 16-bit words, to add to the prepared checksum sum.
  template <ProbeMethod kMethod>
  static uint64_t WriteTransportFields(
      const ProbeVariant& variant,
      std::span<uint8_t, TransportHeaderSize(kMethod)> header);

  // Build for a probe of `kMethod`, once `variant` is checked; `datagram`
  // is the template's size.
  template <ProbeMethod kMethod>
  size_t BuildAs(const ProbeVariant& variant,
                 std::span<uint8_t> datagram) const;

  ProbeSpec spec_;
  std::vector<uint8_t> bytes_;
  // Copied out of spec_ and bytes_ for Build.
  bool paris_ = false;
  uint8_t protocol_ = 0;
  // RFC 1624 eqn. 3 prepared: ~HC + ~m over every word a probe rewrites
  // (and, for Paris, over the adjusted data word, taken out to zero). Adding
  // the new words and folding gives the new checksum.
  uint64_t ip_sum_ = 0;
  uint64_t transport_sum_ = 0;
};

// Build is defined here, inline: a probe costs a few nanoseconds, and a
// call with its register saves would be a good part of them.

namespace probe_template_internal {

// Fields a probe rewrites, by offset within the IPv4 header (RFC 791
// §3.1): the identification, and the word holding TTL and protocol.
inline constexpr size_t kIpIdOffset = 4;
inline constexpr size_t kIpTtlProtocolOffset = 8;
// Within the transport header: ICMP Echo sequence (RFC 792), UDP and TCP
// ports (RFC 768, RFC 9293 §3.1), TCP sequence number, and the first data
// word that Paris probes adjust (right after the 8-byte ICMP or UDP
// header).
inline constexpr size_t kIcmpSequenceOffset = 6;
inline constexpr size_t kSourcePortOffset = 0;
inline constexpr size_t kDestinationPortOffset = 2;
inline constexpr size_t kTcpSequenceOffset = 4;
inline constexpr size_t kParisWordOffset = 8;

// RFC 768: a UDP checksum computed as zero is sent as all ones, because
// zero means that the sender computed none.
inline uint16_t AsSent(ProbeMethod method, uint16_t checksum) {
  return method == ProbeMethod::kUdp && checksum == 0 ? 0xffff : checksum;
}

// Copies the template with fixed-size moves the compiler inlines, the last
// one overlapping the one before: a memcpy of a size known only at run
// time is a library call, about as long as patching the whole probe.
// Probes are at least 28 bytes.
inline void CopyProbe(const uint8_t* from, size_t size, uint8_t* to) {
  constexpr size_t kChunk = 16;
  size_t at = 0;
  for (; at + kChunk <= size; at += kChunk) {
    std::memcpy(to + at, from + at, kChunk);
  }
  if (at < size) {
    std::memcpy(to + size - kChunk, from + size - kChunk, kChunk);
  }
}

}  // namespace probe_template_internal

template <ProbeMethod kMethod>
inline uint64_t ProbeTemplate::WriteTransportFields(
    const ProbeVariant& variant,
    std::span<uint8_t, TransportHeaderSize(kMethod)> header) {
  if constexpr (kMethod == ProbeMethod::kIcmp) {
    StoreU16(header, probe_template_internal::kIcmpSequenceOffset,
             variant.icmp_sequence);
    return variant.icmp_sequence;
  } else if constexpr (kMethod == ProbeMethod::kUdp) {
    StoreU16(header, probe_template_internal::kSourcePortOffset,
             variant.source_port);
    StoreU16(header, probe_template_internal::kDestinationPortOffset,
             variant.destination_port);
    return uint64_t{variant.source_port} + variant.destination_port;
  } else {
    StoreU16(header, probe_template_internal::kSourcePortOffset,
             variant.source_port);
    StoreU16(header, probe_template_internal::kDestinationPortOffset,
             variant.destination_port);
    StoreU32(header, probe_template_internal::kTcpSequenceOffset,
             variant.tcp_sequence);
    return uint64_t{variant.source_port} + variant.destination_port +
           (variant.tcp_sequence >> 16) + (variant.tcp_sequence & 0xffff);
  }
}

template <ProbeMethod kMethod>
inline size_t ProbeTemplate::BuildAs(const ProbeVariant& variant,
                                     std::span<uint8_t> datagram) const {
  probe_template_internal::CopyProbe(bytes_.data(), bytes_.size(),
                                     datagram.data());

  // Step 1: the IPv4 header's two words and its checksum (RFC 1624). Every
  // byte read comes from the template, never from `out`: reading back a
  // byte just stored stalls the store queue.
  const uint16_t ttl_protocol =
      static_cast<uint16_t>((variant.ttl << 8) | protocol_);
  const std::span<uint8_t, kIpv4MinHeaderSize> ip =
      datagram.first<kIpv4MinHeaderSize>();
  StoreU16(ip, probe_template_internal::kIpIdOffset, variant.ip_id);
  StoreU16(ip, probe_template_internal::kIpTtlProtocolOffset, ttl_protocol);
  StoreU16(ip, kIpv4ChecksumOffset,
           ChecksumFinish(ip_sum_ + variant.ip_id + ttl_protocol));

  // Step 2: the transport fields and their checksum. Every sum holds a
  // nonzero term, so the result is the one a full sum gives, byte for byte.
  // The header's fixed extent (every probe holds the 8-byte ICMP or UDP
  // header, a TCP probe the 20-byte header) lets every store go without a
  // bounds check.
  const std::span<uint8_t> transport = datagram.subspan(kIpv4MinHeaderSize);
  const std::span<uint8_t, TransportHeaderSize(kMethod)> header =
      transport.first<TransportHeaderSize(kMethod)>();
  uint16_t checksum = probe_template_internal::AsSent(
      kMethod, ChecksumFinish(transport_sum_ +
                              WriteTransportFields<kMethod>(variant, header)));

  // Step 3, Paris: the data word that makes the checksum come out as
  // wanted, found as BuildProbe finds it from the checksum with the word
  // at zero, then added to the checksum.
  if constexpr (kMethod != ProbeMethod::kTcp) {
    if (paris_) {
      uint32_t word = uint32_t{uint16_t(~*variant.fixed_checksum)} + checksum;
      word = (word & 0xffff) + (word >> 16);
      StoreU16(transport, probe_template_internal::kParisWordOffset,
               static_cast<uint16_t>(word));
      checksum = probe_template_internal::AsSent(
          kMethod, ChecksumUpdate(checksum, 0, static_cast<uint16_t>(word)));
    }
  }
  StoreU16(header, TransportChecksumOffset(kMethod), checksum);
  return datagram.size();
}

inline size_t ProbeTemplate::Build(const ProbeVariant& variant,
                                   std::span<uint8_t> out) const {
  const bool paris = paris_;
  if (out.size() < bytes_.size() || variant.ip_id == 0 ||
      (spec_.method != ProbeMethod::kTcp &&
       variant.fixed_checksum.has_value() != paris) ||
      (paris && spec_.method == ProbeMethod::kUdp &&
       *variant.fixed_checksum == 0)) {
    return 0;
  }
  // One dispatch on the method; each path then patches fixed offsets.
  const std::span<uint8_t> datagram = out.first(bytes_.size());
  switch (spec_.method) {
    case ProbeMethod::kIcmp:
      return BuildAs<ProbeMethod::kIcmp>(variant, datagram);
    case ProbeMethod::kUdp:
      return BuildAs<ProbeMethod::kUdp>(variant, datagram);
    case ProbeMethod::kTcp:
      return BuildAs<ProbeMethod::kTcp>(variant, datagram);
  }
  return 0;
}

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_PROBE_TEMPLATE_H_
