#include "crafter/icmp_error.h"

#include <algorithm>
#include <vector>

#include "crafter/check.h"
#include "crafter/icmp_extension.h"
#include "crafter/ipv4.h"

namespace hoplab::crafter {
namespace {

constexpr size_t kErrorHeadersSize = kIpv4MinHeaderSize + kIcmpHeaderSize;

// Writes the outer IPv4 header and the ICMP message after it; returns the
// datagram's size, or 0 when `out` is too small or the size exceeds 65535.
size_t WriteIcmpDatagram(Ipv4Header ip, const IcmpMessage& icmp,
                         std::span<uint8_t> out) {
  const size_t size = kErrorHeadersSize + icmp.body.size();
  if (size > 0xffff || out.size() < size) {
    return 0;
  }
  ip.total_length = static_cast<uint16_t>(size);
  ip.protocol = IpProtocol::kIcmp;
  HOPLAB_CHECK(WriteIpv4Header(ip, out) == kIpv4MinHeaderSize);
  HOPLAB_CHECK(WriteIcmpMessage(icmp, out.subspan(kIpv4MinHeaderSize)) ==
               size - kIpv4MinHeaderSize);
  return size;
}

}  // namespace

size_t BuildIcmpError(const IcmpErrorSpec& spec, std::span<uint8_t> out) {
  Result<Ipv4Header, ParseError> offending = ParseIpv4Header(spec.offending);
  if (!offending.ok()) {
    return 0;
  }

  // The datagram ends at its Total Length; link padding is not quoted.
  const size_t offending_size =
      std::min<size_t>(spec.offending.size(), offending->total_length);
  const size_t min_quote = offending->header_size() + kMinQuotedDataSize;
  const size_t room = spec.max_error_size > kErrorHeadersSize
                          ? spec.max_error_size - kErrorHeadersSize
                          : 0;
  const size_t quote_size = std::min(offending_size, std::max(min_quote, room));

  Ipv4Header ip;
  ip.tos = spec.tos;
  ip.id = spec.ip_id;
  ip.ttl = spec.ttl;
  ip.source = spec.source;
  ip.destination = spec.destination;
  IcmpMessage icmp;
  icmp.type = spec.type;
  icmp.code = spec.code;
  // RFC 1191 §4: the low 16 bits of the second word carry the next-hop MTU.
  if (spec.type == IcmpType::kDestinationUnreachable &&
      spec.code ==
          static_cast<uint8_t>(UnreachableCode::kFragmentationNeeded)) {
    icmp.rest_of_header = spec.next_hop_mtu;
  }
  if (spec.extensions.empty()) {
    icmp.body = spec.offending.first(quote_size);
    return WriteIcmpDatagram(ip, icmp, out);
  }

  // RFC 4884 §4.1: the original datagram field, zero-padded to 128 bytes
  // (cut there when longer), then the extension structure.
  std::vector<uint8_t> body(kIcmpExtensionQuoteSize, 0);
  const size_t padded_size = std::min(offending_size, kIcmpExtensionQuoteSize);
  std::copy_n(spec.offending.begin(), padded_size, body.begin());
  body.insert(body.end(), spec.extensions.begin(), spec.extensions.end());
  icmp.rest_of_header |=
      uint32_t{kIcmpExtensionQuoteSize / size_t(IcmpLengthUnit::kIcmpv4)} << 16;
  icmp.body = body;
  return WriteIcmpDatagram(ip, icmp, out);
}

size_t BuildEchoReply(std::span<const uint8_t> echo_request, uint8_t ttl,
                      uint16_t ip_id, std::span<uint8_t> out) {
  Result<Ipv4Header, ParseError> request = ParseIpv4Header(echo_request);
  if (!request.ok() || request->protocol != IpProtocol::kIcmp ||
      request->total_length > echo_request.size() ||
      request->total_length < request->header_size()) {
    return 0;
  }
  Result<IcmpMessage, ParseError> echo =
      ParseIcmpMessage(echo_request.first(request->total_length)
                           .subspan(request->header_size()));
  if (!echo.ok() || echo->type != IcmpType::kEchoRequest) {
    return 0;
  }

  // RFC 792: swap the addresses, change the type to 0, keep the rest.
  // Deviation: IP options of the request are not reflected (RFC 1122
  // §3.2.2.6 asks for Record Route and Timestamp to be).
  Ipv4Header ip;
  ip.tos = request->tos;
  ip.id = ip_id;
  ip.ttl = ttl;
  ip.source = request->destination;
  ip.destination = request->source;
  IcmpMessage reply = *echo;
  reply.type = IcmpType::kEchoReply;
  reply.code = 0;
  return WriteIcmpDatagram(ip, reply, out);
}

}  // namespace hoplab::crafter
