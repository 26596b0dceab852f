#include "crafter/reply.h"

#include <optional>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/icmp_extension.h"
#include "crafter/ipv4.h"
#include "crafter/parse_error.h"
#include "crafter/tcp.h"

namespace hoplab::crafter {
namespace {

// The outer datagram once its header is read: the header, the bytes that
// Total Length covers (or fewer, when a capture cut the datagram short),
// and whether all of them are present.
struct Outer {
  Ipv4Header header;
  std::span<const uint8_t> bytes;
  bool complete = false;
};

// Reads the outer header and bounds the datagram by Total Length. Bytes
// past Total Length are link padding (or an FCS) and are dropped. A Total
// Length beyond the span means the capture was cut short (snaplen): the
// bytes that are there are parsed, but no checksum can verify.
Result<Outer, ParseError> ParseOuter(std::span<const uint8_t> datagram) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(datagram);
  if (!header.ok()) {
    return header.error();
  }
  Outer outer{*header, datagram, true};
  if (outer.header.total_length < outer.header.header_size()) {
    return ParseError{"IPv4 total length is less than the header",
                      kIpv4TotalLengthOffset};
  }
  if (outer.header.more_fragments || outer.header.fragment_offset != 0) {
    return ParseError{"IPv4 datagram is a fragment", kIpv4FragmentOffset};
  }
  if (outer.header.total_length <= datagram.size()) {
    outer.bytes = datagram.first(outer.header.total_length);
  } else {
    outer.complete = false;
  }
  return outer;
}

// The probe method whose datagrams carry `protocol`, if any.
std::optional<ProbeMethod> MethodOf(IpProtocol protocol) {
  switch (protocol) {
    case IpProtocol::kIcmp:
      return ProbeMethod::kIcmp;
    case IpProtocol::kUdp:
      return ProbeMethod::kUdp;
    case IpProtocol::kTcp:
      return ProbeMethod::kTcp;
  }
  return std::nullopt;
}

// Reads the probe's key from the data after the quoted header: the ICMP
// identifier and sequence, or the ports and then the UDP checksum or TCP
// sequence number, as far as `data` holds them (at least the ports).
Result<Reply, ParseError> ParseQuotedKey(ByteReader data, size_t at,
                                         Reply reply) {
  switch (reply.probe.method) {
    case ProbeMethod::kIcmp: {
      uint8_t icmp_type;
      if (!data.ReadU8(&icmp_type) ||
          icmp_type != static_cast<uint8_t>(IcmpType::kEchoRequest)) {
        return ParseError{"quoted ICMP message is not an Echo Request", at};
      }
      HOPLAB_CHECK(data.Skip(3) && data.ReadU16(&reply.probe.icmp_id) &&
                   data.ReadU16(&reply.probe.icmp_sequence));
      return reply;
    }
    case ProbeMethod::kUdp:
    case ProbeMethod::kTcp:
      HOPLAB_CHECK(data.ReadU16(&reply.probe.source_port) &&
                   data.ReadU16(&reply.probe.destination_port));
      if (reply.quote_truncated) {
        return reply;
      }
      if (reply.probe.method == ProbeMethod::kTcp) {
        HOPLAB_CHECK(data.ReadU32(&reply.probe.tcp_sequence));
      } else {
        // Length, then the checksum that tells Paris probes apart.
        HOPLAB_CHECK(data.Skip(2) && data.ReadU16(&reply.probe.udp_checksum));
      }
      return reply;
  }
  return reply;
}

// Recovers the probe from the quote of an ICMP error: the quoted IPv4
// header, located by its own IHL, and the first 8 bytes after it. When
// the outer datagram is not `complete` (a capture's snap length cut it),
// 4 bytes of a UDP or TCP header are enough for the ports.
Result<Reply, ParseError> ParseQuote(std::span<const uint8_t> quote,
                                     size_t quote_offset, bool complete,
                                     Reply reply) {
  Result<Ipv4Header, ParseError> quoted = ParseIpv4Header(quote);
  if (!quoted.ok()) {
    return Rebase(quoted.error(), quote_offset);
  }
  const std::optional<ProbeMethod> method = MethodOf(quoted->protocol);
  if (!method.has_value()) {
    return ParseError{"quoted protocol is not ICMP, UDP or TCP",
                      quote_offset + kIpv4ProtocolOffset};
  }
  reply.quoted_ttl = quoted->ttl;
  reply.quote_size = quote.size();
  reply.quoted_total_length = quoted->total_length;
  reply.quoted_ip_id = quoted->id;
  reply.probe.method = *method;
  reply.probe.source = quoted->source;
  reply.probe.destination = quoted->destination;

  // RFC 791: a later fragment does not start with the transport header;
  // its bytes would be misread as ports. Addresses, protocol and IP id
  // name the datagram it belongs to.
  if (quoted->fragment_offset != 0) {
    reply.quoted_later_fragment = true;
    return reply;
  }
  // RFC 792: the quote holds the IP header and 8 bytes of data.
  const size_t data_offset = quoted->header_size();
  const size_t data_size = quote.size() - data_offset;
  if (data_size < 8) {
    if (complete || *method == ProbeMethod::kIcmp || data_size < 4) {
      return ParseError{"ICMP quote ends before 8 bytes of quoted data",
                        quote_offset + quote.size()};
    }
    reply.quote_truncated = true;
  }
  return ParseQuotedKey(ByteReader(quote.subspan(data_offset)),
                        quote_offset + data_offset, std::move(reply));
}

// Splits an ICMP error's body into the quote and the RFC 4884 extensions
// after it, which go into `reply`; returns the quote.
std::span<const uint8_t> SplitExtensions(const IcmpMessage& icmp,
                                         Reply* reply) {
  if (icmp.type == IcmpType::kTimeExceeded &&
      icmp.code != kTimeExceededInTransit) {
    return icmp.body;
  }
  Result<Ipv4Header, ParseError> quoted = ParseIpv4Header(icmp.body);
  const size_t quoted_size = quoted.ok() ? quoted->total_length : 0;
  auto extensions =
      ParseIcmpExtensions(icmp.body, icmp.original_datagram_words(),
                          IcmpLengthUnit::kIcmpv4, quoted_size);
  if (!extensions.ok()) {
    reply->extension_checksum_bad = true;
    return icmp.body;
  }
  if (!extensions->has_value()) {
    return icmp.body;
  }
  reply->extensions =
      std::make_shared<const IcmpExtensions>(std::move(**extensions));
  return icmp.body.first(reply->extensions->offset);
}

Result<Reply, ParseError> ParseQuoteAndExtensions(const IcmpMessage& icmp,
                                                  size_t icmp_offset,
                                                  bool complete, Reply reply) {
  const std::span<const uint8_t> quote = SplitExtensions(icmp, &reply);
  return ParseQuote(quote, icmp_offset + kIcmpHeaderSize, complete,
                    std::move(reply));
}

Result<Reply, ParseError> ParseIcmpReply(const Outer& outer, Reply reply) {
  const size_t icmp_offset = outer.header.header_size();
  const std::span<const uint8_t> bytes = outer.bytes.subspan(icmp_offset);
  Result<IcmpMessage, ParseError> icmp = ParseIcmpMessage(bytes);
  if (!icmp.ok()) {
    return Rebase(icmp.error(), icmp_offset);
  }
  reply.icmp_type = static_cast<uint8_t>(icmp->type);
  reply.icmp_code = icmp->code;
  reply.checksum_ok = outer.complete && VerifyChecksum(bytes);

  switch (icmp->type) {
    case IcmpType::kEchoReply:
      // The Echo Reply mirrors the probe: we sent to its source.
      reply.kind = ReplyKind::kEchoReply;
      reply.probe.method = ProbeMethod::kIcmp;
      reply.probe.source = outer.header.destination;
      reply.probe.destination = outer.header.source;
      reply.probe.icmp_id = icmp->identifier();
      reply.probe.icmp_sequence = icmp->sequence();
      return reply;
    case IcmpType::kTimeExceeded:
      reply.kind = ReplyKind::kTimeExceeded;
      return ParseQuoteAndExtensions(*icmp, icmp_offset, outer.complete,
                                     std::move(reply));
    case IcmpType::kDestinationUnreachable:
      reply.kind = ReplyKind::kDestinationUnreachable;
      if (icmp->code ==
          static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded)) {
        reply.next_hop_mtu = icmp->next_hop_mtu();
      }
      return ParseQuoteAndExtensions(*icmp, icmp_offset, outer.complete,
                                     std::move(reply));
    case IcmpType::kEchoRequest:
      return ParseError{"ICMP Echo Request is a probe, not a reply",
                        icmp_offset};
    default:
      return ParseError{
          "ICMP type is not Echo Reply, Time Exceeded or Destination "
          "Unreachable",
          icmp_offset};
  }
}

// A TCP segment from the destination answers the SYN whose ports it swaps.
// RFC 9293 §3.10.7.1: a SYN-ACK or a RST answering a SYN acknowledges the
// SYN's sequence number plus one, so the probe's sequence number is ACK - 1.
// A RST without ACK carries nothing of the probe's sequence number; its
// tcp_sequence is 0 and only addresses and ports identify the probe.
Result<Reply, ParseError> ParseTcpReply(const Outer& outer, Reply reply) {
  const size_t tcp_offset = outer.header.header_size();
  const std::span<const uint8_t> bytes = outer.bytes.subspan(tcp_offset);
  Result<TcpHeader, ParseError> tcp = ParseTcpHeader(bytes);
  if (!tcp.ok()) {
    return Rebase(tcp.error(), tcp_offset);
  }
  if (tcp->has(kTcpRst)) {
    reply.kind = ReplyKind::kTcpReset;
  } else if (tcp->has(kTcpSyn) && tcp->has(kTcpAck)) {
    reply.kind = ReplyKind::kTcpSynAck;
  } else {
    return ParseError{"TCP segment is neither SYN+ACK nor RST",
                      tcp_offset + kTcpFlagsOffset};
  }
  reply.checksum_ok =
      outer.complete &&
      VerifyTcpChecksum(outer.header.source, outer.header.destination, bytes);
  reply.probe.method = ProbeMethod::kTcp;
  reply.probe.source = outer.header.destination;
  reply.probe.destination = outer.header.source;
  reply.probe.source_port = tcp->destination_port;
  reply.probe.destination_port = tcp->source_port;
  if (tcp->has(kTcpAck)) {
    reply.probe.tcp_sequence = tcp->acknowledgment - 1;
  }
  return reply;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const ProbeKey& key) {
  os << ProbeMethodName(key.method) << ' ' << key.source;
  switch (key.method) {
    case ProbeMethod::kIcmp:
      return os << " > " << key.destination << " id " << key.icmp_id << " seq "
                << key.icmp_sequence;
    case ProbeMethod::kUdp:
      return os << ':' << key.source_port << " > " << key.destination << ':'
                << key.destination_port << " checksum 0x" << std::hex
                << key.udp_checksum << std::dec;
    case ProbeMethod::kTcp:
      return os << ':' << key.source_port << " > " << key.destination << ':'
                << key.destination_port << " seq " << key.tcp_sequence;
  }
  return os;
}

// TODO(#6): ParseReplyView (crafter/reply_view.cc) reads the same bytes
// with parallel code for the engine, and tests/crafter/reply_equivalence.h
// (over test replies, every capture and the reply fuzzer) holds the two
// together. Replay keeps whole Replies; once it reads through the view
// too, this can become ParseReplyView followed by ReadExtensions.
Result<Reply, ParseError> ParseReply(std::span<const uint8_t> datagram) {
  Result<Outer, ParseError> outer = ParseOuter(datagram);
  if (!outer.ok()) {
    return outer.error();
  }
  Reply reply;
  reply.responder = outer->header.source;
  reply.local = outer->header.destination;
  reply.reply_ttl = outer->header.ttl;

  switch (outer->header.protocol) {
    case IpProtocol::kIcmp:
      return ParseIcmpReply(*outer, reply);
    case IpProtocol::kTcp:
      return ParseTcpReply(*outer, reply);
    default:
      return ParseError{"IPv4 protocol is not ICMP or TCP",
                        kIpv4ProtocolOffset};
  }
}

}  // namespace hoplab::crafter
