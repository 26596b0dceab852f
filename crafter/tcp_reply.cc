#include "crafter/tcp_reply.h"

#include <array>

#include "crafter/ipv4.h"
#include "crafter/tcp.h"

namespace hoplab::crafter {
namespace {

// Linux's SYN-ACK window for a 1460-byte MSS, and its options: MSS 1460,
// NOP, NOP, SACK permitted, NOP, window scale 7 (RFC 9293 §3.7.1, RFC 2018
// §2, RFC 7323 §2.2), 12 bytes.
constexpr uint16_t kSynAckWindow = 65160;
constexpr std::array<uint8_t, 12> kSynAckOptions = {
    0x02, 0x04, 0x05, 0xb4,  // MSS 1460
    0x01, 0x01, 0x04, 0x02,  // NOP, NOP, SACK permitted
    0x01, 0x03, 0x03, 0x07,  // NOP, window scale 7
};

}  // namespace

size_t BuildTcpReply(std::span<const uint8_t> syn, const TcpReplySpec& spec,
                     std::span<uint8_t> out) {
  // Step 1: the SYN, as far as the answer needs it.
  auto ip = ParseIpv4Header(syn);
  if (!ip.ok() || ip->protocol != IpProtocol::kTcp ||
      ip->total_length > syn.size() || ip->total_length < ip->header_size()) {
    return 0;
  }
  const auto segment =
      syn.subspan(ip->header_size(), ip->total_length - ip->header_size());
  auto tcp = ParseTcpHeader(segment);
  if (!tcp.ok() || !tcp->has(kTcpSyn) || tcp->has(kTcpAck)) {
    return 0;
  }
  const auto data_size =
      static_cast<uint32_t>(segment.size() - tcp->header_size());

  // Step 2: the answer's TCP header.
  TcpHeader answer;
  answer.source_port = tcp->destination_port;
  answer.destination_port = tcp->source_port;
  answer.acknowledgment = tcp->sequence + 1 + data_size;
  if (spec.port_open) {
    answer.sequence = spec.initial_sequence;
    answer.flags = kTcpSyn | kTcpAck;
    answer.window = kSynAckWindow;
    answer.options = kSynAckOptions;
  } else {
    answer.flags = kTcpRst | kTcpAck;
  }
  const size_t tcp_size = kTcpMinHeaderSize + answer.options.size();
  const size_t total_size = kIpv4MinHeaderSize + tcp_size;
  if (out.size() < total_size) {
    return 0;
  }

  // Step 3: IP header, TCP header, checksum.
  Ipv4Header reply_ip;
  reply_ip.total_length = static_cast<uint16_t>(total_size);
  reply_ip.id = spec.port_open ? spec.ip_id : 0;
  reply_ip.dont_fragment = true;
  reply_ip.ttl = spec.ttl;
  reply_ip.protocol = IpProtocol::kTcp;
  reply_ip.source = ip->destination;
  reply_ip.destination = ip->source;
  if (WriteIpv4Header(reply_ip, out) != kIpv4MinHeaderSize) {
    return 0;
  }
  const auto reply_segment = out.subspan(kIpv4MinHeaderSize, tcp_size);
  if (WriteTcpHeader(answer, reply_segment) != tcp_size) {
    return 0;
  }
  PatchTcpChecksum(reply_ip.source, reply_ip.destination, reply_segment);
  return total_size;
}

}  // namespace hoplab::crafter
