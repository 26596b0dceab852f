// BuildTcpReply: what a host's TCP answers to a SYN, for the simulator and
// the tests: SYN-ACK from a listening port, RST-ACK from a closed one.

#ifndef HOPLAB_CRAFTER_TCP_REPLY_H_
#define HOPLAB_CRAFTER_TCP_REPLY_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace hoplab::crafter {

struct TcpReplySpec {
  // A listener answers SYN-ACK; a closed port RST-ACK (RFC 9293 §3.10.7.1).
  bool port_open = false;
  uint8_t ttl = 64;
  uint16_t ip_id = 0;
  // The SYN-ACK's own sequence number.
  uint32_t initial_sequence = 0;
};

// Builds the IPv4 datagram answering `syn` (a whole IPv4 datagram carrying
// a TCP segment with SYN set) into `out`: addresses and ports swapped, ACK
// = the SYN's sequence number + 1 + its data length. As Linux sends them
// (captures/tcp-rst-butskoy.pcap): DF set; a reset has IP id 0, sequence 0
// and window 0; a SYN-ACK carries window 65160 and MSS 1460, SACK
// permitted and window scale 7. Returns the size written, or 0 when `out`
// is too small or `syn` is not a TCP SYN.
size_t BuildTcpReply(std::span<const uint8_t> syn, const TcpReplySpec& spec,
                     std::span<uint8_t> out);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_TCP_REPLY_H_
