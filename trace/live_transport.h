// LiveTransport: probes out through a raw IPv4 socket, replies in through
// raw receive sockets, with kernel receive timestamps. The only code in
// hoplab that needs privilege (CAP_NET_RAW).

#ifndef HOPLAB_TRACE_LIVE_TRANSPORT_H_
#define HOPLAB_TRACE_LIVE_TRANSPORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/result.h"
#include "trace/transport.h"

namespace hoplab::trace {

// The one line Open fails with when the process may not open raw sockets.
inline constexpr std::string_view kLiveNeedsPrivilegeMessage =
    "hoplab: --live needs root or CAP_NET_RAW (for example: sudo setcap "
    "cap_net_raw+ep $(command -v hoplab))";

struct LiveOptions {
  // SO_RCVBUF of each receive socket. Replies to a whole window of probes
  // in flight arrive in a burst; the kernel drops what does not fit.
  int receive_buffer_size = 256 * 1024;
  // The address the probes leave from (traceroute -s, or the one
  // PickSourceAddress found). When set, every socket is bound to it, so
  // the kernel hands the receive sockets only datagrams addressed to it;
  // Open fails when it is not an address of this host.
  std::optional<crafter::Ipv4Address> source;
  // traceroute -i: every socket is bound to this interface
  // (SO_BINDTODEVICE), so probes leave through it and only replies that
  // arrive on it are read. Empty: any interface.
  std::string interface;
};

class LiveTransport final : public Transport {
 public:
  // Opens the sending socket (SOCK_RAW, IPPROTO_RAW, IP_HDRINCL) and two
  // receive sockets with SO_TIMESTAMPNS: SOCK_RAW IPPROTO_ICMP for ICMP
  // replies, and SOCK_RAW IPPROTO_TCP for the TCP method's SYN-ACK and RST
  // replies, whose socket filter passes only segments with RST or with
  // both SYN and ACK set (the kernel copies every TCP segment it receives
  // to a raw TCP socket). Fails
  // with exactly kLiveNeedsPrivilegeMessage when the kernel refuses a raw
  // socket for lack of privilege (EPERM, EACCES); with "socket(...): why"
  // "setsockopt(...): why", "bind to 10.0.0.1: why" or
  // "SO_BINDTODEVICE eth9: why" otherwise.
  static Result<std::unique_ptr<LiveTransport>> Open(
      const LiveOptions& options);

  LiveTransport(const LiveTransport&) = delete;
  LiveTransport& operator=(const LiveTransport&) = delete;
  ~LiveTransport() override;

  // Sends `datagram` unchanged to the destination in its IPv4 header. The
  // kernel fills only what raw(7) says it always fills (checksum, total
  // length), and the crafter has written those already, so the wire
  // carries these exact bytes. Returns the CLOCK_REALTIME time read just
  // before sendto(): on a veth link the reply can reach the receive socket,
  // kernel timestamp and all, before sendto() returns, and a send time read
  // after it would give a negative round trip (Linux traceroute reads its
  // clock before sending too). Fails when `datagram` is not an IPv4 header
  // of at least 20 bytes, or sendto() fails ("sendto 10.0.0.1: why").
  Result<TimePoint> Send(std::span<const uint8_t> datagram) override;

  // Waits with poll() on every receive socket until `deadline` and returns
  // the next datagram, whole (IPv4 header included), with the kernel's
  // SO_TIMESTAMPNS receive time (the time of reading, when the kernel
  // gives none). nullopt once `deadline` passes with nothing received.
  // Fails when poll() or recvmsg() fails with anything but EINTR or
  // EAGAIN. The returned bytes stay valid until the next call.
  Result<std::optional<ReceivedDatagram>> Receive(TimePoint deadline) override;

 private:
  // Largest IPv4 datagram: Total Length is a 16-bit field.
  static constexpr size_t kMaxDatagramSize = 65535;

  LiveTransport() = default;

  // Reads one pending datagram from `fd` into buffer_, if there is one.
  Result<std::optional<ReceivedDatagram>> ReadOne(int fd);

  int send_fd_ = -1;
  // Raw receive sockets polled together: ICMP, then TCP.
  std::vector<int> receive_fds_;
  std::unique_ptr<std::array<uint8_t, kMaxDatagramSize>> buffer_ =
      std::make_unique<std::array<uint8_t, kMaxDatagramSize>>();
};

// The source address the kernel's routing picks for traffic to
// `destination`, through `interface` when it is not empty: connects a UDP
// socket (which sends nothing) and reads its local address. Fails with "no
// route to 10.0.0.1: why" when the kernel has no route, with
// "SO_BINDTODEVICE eth9: why" for an interface it cannot bind to, or with
// the failing call and errno's text.
Result<crafter::Ipv4Address> PickSourceAddress(
    crafter::Ipv4Address destination, const std::string& interface = "");

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_LIVE_TRANSPORT_H_
