#include "crafter/captured_probe.h"

#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

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
  probe.checksum_ok = complete && VerifyChecksum(bytes);
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
  // RFC 768: a zero checksum means none was computed, which is valid.
  probe.checksum_ok =
      complete &&
      (udp->checksum == 0 ||
       ChecksumFinish(ChecksumAccumulate(
           bytes, Ipv4PseudoHeaderSum(
                      probe.key.source, probe.key.destination, IpProtocol::kUdp,
                      static_cast<uint16_t>(bytes.size())))) == 0);
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
  probe.checksum_ok =
      complete &&
      VerifyTcpChecksum(probe.key.source, probe.key.destination, bytes);
  if (bytes.size() > tcp->header_size()) {
    probe.tcp_payload_size =
        static_cast<uint32_t>(bytes.size() - tcp->header_size());
  }
  return probe;
}

}  // namespace

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
