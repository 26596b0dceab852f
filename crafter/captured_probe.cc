#include "crafter/captured_probe.h"

#include <cstdio>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

// Judges the checksum field at `field_offset` of a whole `transport`
// header and data, over `pseudo_header` (RFC 768, RFC 9293 §3.1; zero for
// ICMP, which has none). `zero_means_none`: UDP's rule that a zero field
// means no checksum, and that a computed zero is sent as 0xffff.
ProbeChecksum JudgeChecksum(std::span<const uint8_t> transport,
                            size_t field_offset, uint64_t pseudo_header,
                            bool zero_means_none) {
  ProbeChecksum checksum;
  checksum.found = LoadU16(transport, field_offset);
  // The sum with the field taken as zero. The part before the field has
  // an even length (ICMP 2, UDP 6, TCP 16), so every byte after it keeps
  // its place in its 16-bit word, an odd last byte included.
  const uint64_t others = ChecksumAccumulate(
      transport.subspan(field_offset + 2),
      ChecksumAccumulate(transport.first(field_offset), pseudo_header));
  checksum.expected = ChecksumFinish(others);
  if (zero_means_none && checksum.expected == 0) {
    checksum.expected = 0xffff;
  }
  // What a host leaves for its NIC: the pseudo-header's folded sum, not
  // complemented.
  const auto partial = static_cast<uint16_t>(~ChecksumFinish(pseudo_header));
  // RFC 1071 §1: the receiver's check, all words summing to 0xffff.
  if (ChecksumFinish(others + checksum.found) == 0 ||
      (zero_means_none && checksum.found == 0)) {
    checksum.state = ProbeChecksumState::kCorrect;
  } else if (checksum.found == 0 || checksum.found == partial) {
    checksum.state = ProbeChecksumState::kOffloaded;
  } else {
    checksum.state = ProbeChecksumState::kWrong;
  }
  return checksum;
}

// JudgeChecksum for UDP or TCP, over the pseudo-header of the probe's
// addresses and the length of `transport`.
ProbeChecksum JudgeWithPseudoHeader(std::span<const uint8_t> transport,
                                    size_t field_offset, const ProbeKey& key,
                                    IpProtocol protocol) {
  return JudgeChecksum(
      transport, field_offset,
      Ipv4PseudoHeaderSum(key.source, key.destination, protocol,
                          static_cast<uint16_t>(transport.size())),
      protocol == IpProtocol::kUdp);
}

Result<CapturedProbe, ParseError> ParseIcmpProbe(std::span<const uint8_t> bytes,
                                                 size_t at, bool complete,
                                                 CapturedProbe probe) {
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(bytes);
  if (!icmp.ok()) {
    return Rebase(icmp.error(), at);
  }
  if (icmp->type != IcmpType::kEchoRequest) {
    return ParseError{"ICMP message is not an Echo Request", at};
  }
  probe.key.method = ProbeMethod::kIcmp;
  probe.key.icmp_id = icmp->identifier();
  probe.key.icmp_sequence = icmp->sequence();
  if (complete) {
    probe.checksum = JudgeChecksum(bytes, kIcmpChecksumOffset, 0, false);
  }
  return probe;
}

Result<CapturedProbe, ParseError> ParseUdpProbe(std::span<const uint8_t> bytes,
                                                size_t at, bool complete,
                                                CapturedProbe probe) {
  Result<UdpHeader, ParseError> udp = ParseUdpHeader(bytes);
  if (!udp.ok()) {
    return Rebase(udp.error(), at);
  }
  probe.key.method = ProbeMethod::kUdp;
  probe.key.source_port = udp->source_port;
  probe.key.destination_port = udp->destination_port;
  probe.key.udp_checksum = udp->checksum;
  if (complete) {
    probe.checksum = JudgeWithPseudoHeader(bytes, kUdpChecksumOffset, probe.key,
                                           IpProtocol::kUdp);
  }
  return probe;
}

Result<CapturedProbe, ParseError> ParseTcpProbe(std::span<const uint8_t> bytes,
                                                size_t at, bool complete,
                                                CapturedProbe probe) {
  Result<TcpHeader, ParseError> tcp = ParseTcpHeader(bytes);
  if (!tcp.ok()) {
    return Rebase(tcp.error(), at);
  }
  if (!tcp->has(kTcpSyn) || tcp->has(kTcpAck) || tcp->has(kTcpRst)) {
    return ParseError{"TCP segment is not a SYN without ACK",
                      at + kTcpFlagsOffset};
  }
  probe.key.method = ProbeMethod::kTcp;
  probe.key.source_port = tcp->source_port;
  probe.key.destination_port = tcp->destination_port;
  probe.key.tcp_sequence = tcp->sequence;
  if (complete) {
    probe.checksum = JudgeWithPseudoHeader(bytes, kTcpChecksumOffset, probe.key,
                                           IpProtocol::kTcp);
  }
  if (bytes.size() > tcp->header_size()) {
    probe.tcp_payload_size =
        static_cast<uint32_t>(bytes.size() - tcp->header_size());
  }
  return probe;
}

}  // namespace

const char* ProbeChecksumStateName(ProbeChecksumState state) {
  switch (state) {
    case ProbeChecksumState::kUnverified:
      return "unverified";
    case ProbeChecksumState::kCorrect:
      return "correct";
    case ProbeChecksumState::kOffloaded:
      return "unverified (offloaded)";
    case ProbeChecksumState::kWrong:
      return "wrong";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, const ProbeChecksum& checksum) {
  char values[32];
  std::snprintf(values, sizeof(values), " 0x%04x (expected 0x%04x)",
                checksum.found, checksum.expected);
  return os << ProbeChecksumStateName(checksum.state) << values;
}

Result<CapturedProbe, ParseError> ParseProbe(
    std::span<const uint8_t> datagram) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(datagram);
  if (!header.ok()) {
    return header.error();
  }
  if (header->total_length < header->header_size()) {
    return ParseError{"IPv4 total length is less than the header",
                      kIpv4TotalLengthOffset};
  }
  // RFC 791: only the first fragment starts with the transport header.
  if (header->fragment_offset != 0) {
    return ParseError{"IPv4 datagram is a later fragment", kIpv4FragmentOffset};
  }
  // Bytes past Total Length are link padding or an FCS; a capture cut by
  // the snap length holds fewer, which are read as far as they go.
  const bool whole = header->total_length <= datagram.size();
  const std::span<const uint8_t> bytes =
      whole ? datagram.first(header->total_length) : datagram;
  // The checksum of a fragmented probe covers its later fragments too.
  const bool complete = whole && !header->more_fragments;

  CapturedProbe probe;
  probe.ip_id = header->id;
  probe.first_fragment = header->more_fragments;
  probe.header_size = static_cast<uint16_t>(header->header_size());
  probe.key.source = header->source;
  probe.key.destination = header->destination;
  probe.ttl = header->ttl;
  probe.total_length = header->total_length;
  const size_t at = header->header_size();
  const std::span<const uint8_t> transport = bytes.subspan(at);
  switch (header->protocol) {
    case IpProtocol::kIcmp:
      return ParseIcmpProbe(transport, at, complete, probe);
    case IpProtocol::kUdp:
      return ParseUdpProbe(transport, at, complete, probe);
    case IpProtocol::kTcp:
      return ParseTcpProbe(transport, at, complete, probe);
  }
  return ParseError{"IPv4 protocol is not ICMP, UDP or TCP",
                    kIpv4ProtocolOffset};
}

}  // namespace hoplab::crafter
