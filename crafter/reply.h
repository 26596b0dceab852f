// Reply and ParseReply: what came back for a probe, and which probe it
// answers, recovered from the bytes that arrived.

#ifndef HOPLAB_CRAFTER_REPLY_H_
#define HOPLAB_CRAFTER_REPLY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>

#include "crafter/icmp_extension.h"
#include "crafter/ipv4_address.h"
#include "crafter/parse_error.h"
#include "crafter/probe.h"
#include "crafter/result.h"

namespace hoplab::crafter {

// The fields of a probe that a reply lets us recover: from the quoted
// header of an ICMP error, or mirrored in an Echo Reply or TCP segment.
// Fields that do not belong to `method` are zero.
struct ProbeKey {
  ProbeMethod method = ProbeMethod::kIcmp;
  Ipv4Address source;
  Ipv4Address destination;
  uint16_t icmp_id = 0;
  uint16_t icmp_sequence = 0;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  // UDP: the probe's checksum, quoted within the 8 bytes RFC 792 promises;
  // Paris probes differ only there.
  uint16_t udp_checksum = 0;
  // TCP: the probe's sequence number (quoted, or the reply's ACK minus 1).
  // Only 8 quoted bytes guarantee it for TCP (RFC 792).
  uint32_t tcp_sequence = 0;

  bool operator==(const ProbeKey&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ProbeKey& key);

enum class ReplyKind : uint8_t {
  kEchoReply,               // ICMP Echo Reply from the destination.
  kTimeExceeded,            // ICMP Time Exceeded (any code).
  kDestinationUnreachable,  // ICMP Destination Unreachable (any code).
  kTcpSynAck,               // A TCP SYN+ACK answering a SYN probe.
  kTcpReset,                // A TCP RST (with or without ACK).
};

struct Reply {
  ReplyKind kind = ReplyKind::kTimeExceeded;
  // ICMP type and code as received; zero for TCP replies.
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  // Outer header: who answered, to whom, and with what TTL left.
  Ipv4Address responder;
  Ipv4Address local;
  uint8_t reply_ttl = 0;
  // The probe this reply answers.
  ProbeKey probe;
  // ICMP errors: TTL of the quoted header as the responder saw it, and how
  // many bytes of the original datagram field there are (the quoted IP
  // header included; RFC 4884 padding included when extensions follow).
  uint8_t quoted_ttl = 0;
  size_t quote_size = 0;
  // ICMP errors: Total Length and IP id of the quoted header.
  uint16_t quoted_total_length = 0;
  uint16_t quoted_ip_id = 0;
  // ICMP errors that identify the probe by fewer fields than its method's
  // key; a matcher must find exactly one probe with the fields present.
  // - quoted_later_fragment: the quote is of a fragment after the first
  //   (RFC 791), whose data is not a transport header: only addresses,
  //   protocol (probe.method) and quoted_ip_id identify the probe; the
  //   rest of `probe` is zero.
  // - quote_truncated: a capture's snap length cut the quote after the
  //   4 port bytes of a UDP or TCP header; the UDP checksum and TCP
  //   sequence number are zero, not quoted.
  bool quoted_later_fragment = false;
  bool quote_truncated = false;
  // ICMP errors: the RFC 4884 extensions after the quote, or null. Shared,
  // not held by value: replies are copied into probe results, and GCC 12
  // misreports nested optionals of this size as uninitialized.
  std::shared_ptr<const IcmpExtensions> extensions;
  // Set when bytes after the quote carried an extension header whose
  // non-zero checksum failed; the extension is then dropped (and the quote
  // is parsed alone), the reply is kept.
  bool extension_checksum_bad = false;
  // Fragmentation Needed: next-hop MTU (RFC 1191), else 0.
  uint16_t next_hop_mtu = 0;
  // Whether the ICMP (or TCP) checksum verified. A bad checksum does not
  // make the parse fail; the matcher decides.
  bool checksum_ok = false;
};

// Parses one IPv4 datagram as received from a raw socket or a capture (link
// layer already removed). Accepts ICMP Echo Reply, Time Exceeded and
// Destination Unreachable, and TCP segments with SYN+ACK or RST. Headers are
// located through IHL in both the outer and the quoted IPv4 header, never a
// fixed 20 bytes. An ICMP error must quote the IP header and at least 8
// bytes after it (RFC 792); more (RFC 1812 §4.3.2.3) is accepted. Bytes past
// the outer Total Length (link padding) are ignored. A quote of a later
// fragment, and a quote of UDP or TCP that a capture cut after the ports,
// are accepted with the fields they hold (quoted_later_fragment,
// quote_truncated). Time Exceeded (code 0)
// and Destination Unreachable may carry RFC 4884 extensions after the quote
// (ParseIcmpExtensions says where they are looked for); a fragment
// reassembly Time Exceeded (code 1) is parsed without. Fails, with the
// reason and the offset within `datagram`, on anything shorter, on other
// protocols and ICMP types, and on quotes of protocols no probe uses. Never
// throws; allocates only for extension objects.
Result<Reply, ParseError> ParseReply(std::span<const uint8_t> datagram);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_REPLY_H_
