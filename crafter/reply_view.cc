#include "crafter/reply_view.h"

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"

namespace hoplab::crafter {
namespace {

// The fields of an IPv4 header that a reply needs, read in place.
struct HeaderFields {
  size_t header_size = 0;
  uint16_t total_length = 0;
  uint16_t id = 0;
  uint16_t flags_fragment = 0;
  uint8_t ttl = 0;
  uint8_t protocol = 0;
  Ipv4Address source;
  Ipv4Address destination;

  uint16_t fragment_offset() const {
    return flags_fragment & kIpv4FragmentOffsetMask;
  }
};

// Reads the header at the front of `bytes` exactly when ParseIpv4Header
// accepts it (RFC 791 §3.1: version 4, IHL at least 5 words, every word
// present); returns false otherwise, and ParseIpv4Header says why. The
// fixed-extent span lets every load go without a bounds check.
// Always inlined: it runs for the outer and the quoted header of every
// reply, and a call costs as much as the reading.
[[gnu::always_inline]] inline bool ReadHeaderFields(
    std::span<const uint8_t> bytes, HeaderFields* out) {
  if (bytes.size() < kIpv4MinHeaderSize) {
    return false;
  }
  const std::span<const uint8_t, kIpv4MinHeaderSize> header =
      bytes.first<kIpv4MinHeaderSize>();
  const uint8_t version_ihl = header[0];
  out->header_size = size_t{version_ihl & 0x0fu} * 4;
  if ((version_ihl >> 4) != 4 || out->header_size < kIpv4MinHeaderSize ||
      out->header_size > bytes.size()) {
    return false;
  }
  out->total_length = LoadU16(header, kIpv4TotalLengthOffset);
  out->id = LoadU16(header, 4);
  out->flags_fragment = LoadU16(header, kIpv4FragmentOffset);
  out->ttl = header[8];
  out->protocol = header[kIpv4ProtocolOffset];
  out->source = Ipv4Address(LoadU32(header, 12));
  out->destination = Ipv4Address(LoadU32(header, 16));
  return true;
}

// The error ParseIpv4Header gives for `bytes`, which ReadHeaderFields
// refused, moved to `base` within the datagram.
ParseError Ipv4HeaderError(std::span<const uint8_t> bytes, size_t base) {
  Result<Ipv4Header, ParseError> header = ParseIpv4Header(bytes);
  HOPLAB_CHECK(!header.ok());
  ParseError error = header.error();
  error.offset += base;
  return error;
}

// Reads the probe's key from the quoted data: the ICMP identifier and
// sequence, or the ports and then the UDP checksum or TCP sequence number
// unless the quote was cut after the ports. `data` holds at least 8 bytes,
// or at least 4 when the quote is truncated.
std::optional<ParseError> ReadQuotedKey(std::span<const uint8_t> data,
                                        size_t at, Reply* reply) {
  ProbeKey& key = reply->probe;
  switch (key.method) {
    case ProbeMethod::kIcmp:
      if (data[0] != static_cast<uint8_t>(IcmpType::kEchoRequest)) {
        return ParseError{"quoted ICMP message is not an Echo Request", at};
      }
      key.icmp_id = LoadU16(data, 4);
      key.icmp_sequence = LoadU16(data, 6);
      return std::nullopt;
    case ProbeMethod::kUdp:
    case ProbeMethod::kTcp:
      key.source_port = LoadU16(data, 0);
      key.destination_port = LoadU16(data, 2);
      if (reply->quote_truncated) {
        return std::nullopt;
      }
      if (key.method == ProbeMethod::kTcp) {
        key.tcp_sequence = LoadU32(data, 4);
      } else {
        // After the length: the checksum that tells Paris probes apart.
        key.udp_checksum = LoadU16(data, 6);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// Recovers the probe from the quote of an ICMP error: the quoted IPv4
// header, located by its own IHL, and the 8 bytes after it (RFC 792); 4
// bytes of a UDP or TCP header are enough when a capture's snap length cut
// the outer datagram (`complete` false). A quote of a later fragment
// (RFC 791) names its datagram only by addresses, protocol and IP id.
// `quoted` holds the quoted header's fields when ReadHeaderFields accepts
// `quote`, else it is null.
std::optional<ParseError> ReadQuote(std::span<const uint8_t> quote,
                                    const HeaderFields* quoted,
                                    size_t quote_offset, bool complete,
                                    Reply* reply) {
  if (quoted == nullptr) {
    return Ipv4HeaderError(quote, quote_offset);
  }
  ProbeKey& key = reply->probe;
  switch (static_cast<IpProtocol>(quoted->protocol)) {
    case IpProtocol::kIcmp:
      key.method = ProbeMethod::kIcmp;
      break;
    case IpProtocol::kUdp:
      key.method = ProbeMethod::kUdp;
      break;
    case IpProtocol::kTcp:
      key.method = ProbeMethod::kTcp;
      break;
    default:
      return ParseError{"quoted protocol is not ICMP, UDP or TCP",
                        quote_offset + kIpv4ProtocolOffset};
  }
  reply->quoted_ttl = quoted->ttl;
  reply->quote_size = quote.size();
  reply->quoted_total_length = quoted->total_length;
  reply->quoted_ip_id = quoted->id;
  key.source = quoted->source;
  key.destination = quoted->destination;
  if (quoted->fragment_offset() != 0) {
    reply->quoted_later_fragment = true;
    return std::nullopt;
  }
  const size_t data_size = quote.size() - quoted->header_size;
  if (data_size < kMinQuotedDataSize) {
    if (complete || key.method == ProbeMethod::kIcmp || data_size < 4) {
      return ParseError{"ICMP quote ends before 8 bytes of quoted data",
                        quote_offset + quote.size()};
    }
    reply->quote_truncated = true;
  }
  return ReadQuotedKey(quote.subspan(quoted->header_size),
                       quote_offset + quoted->header_size, reply);
}

// Finds the RFC 4884 extensions after the quote of an ICMP error (not in a
// reassembly Time Exceeded, which has none) and reads the quote before
// them. An extension header whose checksum fails is dropped with
// extension_checksum_bad set, and the whole body is the quote. The quoted
// header is read once, from the whole body: the quote is a prefix of it.
std::optional<ParseError> ReadQuoteAndExtensions(uint8_t type, uint8_t code,
                                                 size_t icmp_offset,
                                                 bool complete,
                                                 ReplyView* view) {
  const std::span<const uint8_t> body = view->icmp_body;
  HeaderFields quoted;
  const bool quoted_ok = ReadHeaderFields(body, &quoted);
  std::span<const uint8_t> quote = body;
  if ((type != static_cast<uint8_t>(IcmpType::kTimeExceeded) ||
       code == kTimeExceededInTransit) &&
      MayHoldIcmpExtensions(body, view->length_field,
                            IcmpLengthUnit::kIcmpv4)) {
    auto location =
        LocateIcmpExtensions(body, view->length_field, IcmpLengthUnit::kIcmpv4,
                             quoted_ok ? quoted.total_length : 0);
    if (!location.ok()) {
      view->reply.extension_checksum_bad = true;
    } else if (location->has_value()) {
      view->extension = **location;
      quote = quote.first(view->extension->offset);
    }
  }
  const bool quote_ok = quoted_ok && quoted.header_size <= quote.size();
  return ReadQuote(quote, quote_ok ? &quoted : nullptr,
                   icmp_offset + kIcmpHeaderSize, complete, &view->reply);
}

std::optional<ParseError> ReadIcmpReply(const HeaderFields& outer,
                                        std::span<const uint8_t> bytes,
                                        bool complete, ReplyView* view) {
  const size_t icmp_offset = outer.header_size;
  if (bytes.size() < kIcmpHeaderSize) {
    ParseError error = ParseIcmpMessage(bytes).error();
    error.offset += icmp_offset;
    return error;
  }
  Reply& reply = view->reply;
  const std::span<const uint8_t, kIcmpHeaderSize> header =
      bytes.first<kIcmpHeaderSize>();
  const uint8_t type = header[0];
  const uint8_t code = header[1];
  reply.icmp_type = type;
  reply.icmp_code = code;
  reply.checksum_ok = complete && VerifyChecksum(bytes);
  view->icmp_body = bytes.subspan(kIcmpHeaderSize);
  // RFC 4884 §4.1: the length of the original datagram, in 32-bit words.
  view->length_field = header[5];

  switch (static_cast<IcmpType>(type)) {
    case IcmpType::kEchoReply:
      // The Echo Reply mirrors the probe: we sent to its source.
      reply.kind = ReplyKind::kEchoReply;
      reply.probe.method = ProbeMethod::kIcmp;
      reply.probe.source = outer.destination;
      reply.probe.destination = outer.source;
      reply.probe.icmp_id = LoadU16(header, 4);
      reply.probe.icmp_sequence = LoadU16(header, 6);
      return std::nullopt;
    case IcmpType::kTimeExceeded:
      reply.kind = ReplyKind::kTimeExceeded;
      return ReadQuoteAndExtensions(type, code, icmp_offset, complete, view);
    case IcmpType::kDestinationUnreachable:
      reply.kind = ReplyKind::kDestinationUnreachable;
      if (code == static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded)) {
        // RFC 1191 §4: the next-hop MTU in the low 16 bits.
        reply.next_hop_mtu = LoadU16(header, 6);
      }
      return ReadQuoteAndExtensions(type, code, icmp_offset, complete, view);
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

// RFC 9293 §3.10.7.1: a SYN-ACK or a RST answering a SYN acknowledges its
// sequence number plus one; a RST without ACK carries none of it.
std::optional<ParseError> ReadTcpReply(const HeaderFields& outer,
                                       std::span<const uint8_t> bytes,
                                       bool complete, Reply* reply) {
  const size_t tcp_offset = outer.header_size;
  // ParseTcpHeader's rule: 20 bytes, a data offset of at least 5 words,
  // and every option present.
  const size_t header_size =
      bytes.size() < kTcpMinHeaderSize ? 0 : size_t(bytes[12] >> 4) * 4;
  if (header_size < kTcpMinHeaderSize || header_size > bytes.size()) {
    ParseError error = ParseTcpHeader(bytes).error();
    error.offset += tcp_offset;
    return error;
  }
  const std::span<const uint8_t, kTcpMinHeaderSize> header =
      bytes.first<kTcpMinHeaderSize>();
  const uint8_t flags = header[kTcpFlagsOffset];
  if ((flags & kTcpRst) != 0) {
    reply->kind = ReplyKind::kTcpReset;
  } else if ((flags & kTcpSyn) != 0 && (flags & kTcpAck) != 0) {
    reply->kind = ReplyKind::kTcpSynAck;
  } else {
    return ParseError{"TCP segment is neither SYN+ACK nor RST",
                      tcp_offset + kTcpFlagsOffset};
  }
  reply->checksum_ok =
      complete && VerifyTcpChecksum(outer.source, outer.destination, bytes);
  ProbeKey& key = reply->probe;
  key.method = ProbeMethod::kTcp;
  key.source = outer.destination;
  key.destination = outer.source;
  key.source_port = LoadU16(header, 2);
  key.destination_port = LoadU16(header, 0);
  if ((flags & kTcpAck) != 0) {
    key.tcp_sequence = LoadU32(header, 8) - 1;
  }
  return std::nullopt;
}

// Sets every field of `view` to its default, one store each. Assigning a
// default ReplyView compiles to a block fill of a temporary and a copy,
// which stalls the loads that follow and costs as much as the parse.
void Reset(ReplyView* view) {
  static_assert(sizeof(Reply) == 88 && sizeof(ProbeKey) == 28,
                "a field added to Reply must be reset here");
  Reply& reply = view->reply;
  reply.kind = ReplyKind::kTimeExceeded;
  reply.icmp_type = 0;
  reply.icmp_code = 0;
  reply.responder = Ipv4Address();
  reply.local = Ipv4Address();
  reply.reply_ttl = 0;
  reply.probe = ProbeKey();
  reply.quoted_ttl = 0;
  reply.quote_size = 0;
  reply.quoted_total_length = 0;
  reply.quoted_ip_id = 0;
  reply.quoted_later_fragment = false;
  reply.quote_truncated = false;
  reply.extensions.reset();
  reply.extension_checksum_bad = false;
  reply.next_hop_mtu = 0;
  reply.checksum_ok = false;
  view->icmp_body = {};
  view->length_field = 0;
  view->extension.reset();
}

}  // namespace

// TODO(#6): with the match, this runs at about 8 times libtins's
// dissection (bench/reply_bench.cc) against a target of 15: the checksum
// of the 96 ICMP bytes is a fifth of it, the rest is the two header reads
// and their checks, which all stay.
std::optional<ParseError> ParseReplyView(std::span<const uint8_t> datagram,
                                         ReplyView* view) {
  Reset(view);
  HeaderFields outer;
  if (!ReadHeaderFields(datagram, &outer)) {
    return Ipv4HeaderError(datagram, 0);
  }
  if (outer.total_length < outer.header_size) {
    return ParseError{"IPv4 total length is less than the header",
                      kIpv4TotalLengthOffset};
  }
  if ((outer.flags_fragment & kIpv4MoreFragmentsBit) != 0 ||
      outer.fragment_offset() != 0) {
    return ParseError{"IPv4 datagram is a fragment", kIpv4FragmentOffset};
  }
  // Bytes past Total Length are link padding or an FCS. A Total Length
  // beyond the span means a capture's snap length cut the datagram: what
  // is there is parsed, but no checksum can verify.
  const bool complete = outer.total_length <= datagram.size();
  const std::span<const uint8_t> bytes =
      (complete ? datagram.first(outer.total_length) : datagram)
          .subspan(outer.header_size);
  Reply& reply = view->reply;
  reply.responder = outer.source;
  reply.local = outer.destination;
  reply.reply_ttl = outer.ttl;

  switch (static_cast<IpProtocol>(outer.protocol)) {
    case IpProtocol::kIcmp:
      return ReadIcmpReply(outer, bytes, complete, view);
    case IpProtocol::kTcp:
      return ReadTcpReply(outer, bytes, complete, &reply);
    default:
      return ParseError{"IPv4 protocol is not ICMP or TCP",
                        kIpv4ProtocolOffset};
  }
}

std::shared_ptr<const IcmpExtensions> ReadExtensions(const ReplyView& view) {
  if (!view.extension.has_value()) {
    return nullptr;
  }
  return std::make_shared<const IcmpExtensions>(
      ReadIcmpExtensions(view.icmp_body, *view.extension, view.length_field,
                         IcmpLengthUnit::kIcmpv4));
}

}  // namespace hoplab::crafter
