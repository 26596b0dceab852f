// DatagramTransport: the live path for a user without CAP_NET_RAW, where
// the kernel builds the IP headers. UDP probes leave through ordinary
// datagram sockets that read ICMP errors with IP_RECVERR, as Linux
// traceroute's default method does; ICMP probes through ping sockets
// (SOCK_DGRAM, IPPROTO_ICMP; icmp(7), net.ipv4.ping_group_range).
//
// The engine still sees whole IPv4 datagrams: Send takes the datagram
// crafter::BuildProbe wrote and hands the kernel its parts (payload, TTL,
// TOS, DF, ports), and Receive rebuilds what came back from what the
// kernel reports:
//
//   kernel reports                      Receive returns
//   ---------------------------------   ----------------------------------
//   error queue: sock_extended_err      an ICMP error from the offender
//     (ICMP type, code, MTU),           (SO_EE_OFFENDER) to our source,
//     offender, quoted payload          quoting the probe as we sent it
//   ping socket: an Echo Reply          the Echo Reply with an IPv4 header
//     (ICMP message, no IP header)      and the probe's identifier
//
// A rebuilt datagram carries IP id 0 in its outer header, and its TTL and
// TOS as the kernel reported them (IP_RECVTTL, IP_RECVTOS). The probe the
// kernel sent differs from the one BuildProbe wrote in its IP id and header
// checksum, which the kernel chose.

#ifndef HOPLAB_TRACE_DATAGRAM_TRANSPORT_H_
#define HOPLAB_TRACE_DATAGRAM_TRANSPORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "crafter/result.h"
#include "trace/live_transport.h"
#include "trace/socket_io.h"
#include "trace/transport.h"

namespace hoplab::trace {

class DatagramTransport final : public Transport {
 public:
  // Whether `method` has a path without raw sockets: UDP and ICMP do, TCP
  // does not (a SYN needs a raw socket).
  static bool Supports(crafter::ProbeMethod method);

  // Opens the transport for probes of `method`, bound as `options` say
  // (LiveOptions::receive_buffer_size is not used). For ICMP it opens the
  // ping socket now, so a kernel that refuses one fails here, with "ping
  // sockets are not allowed for group G (net.ipv4.ping_group_range is
  // "1 0")" when the group range excludes the caller. Fails with "no
  // unprivileged path for tcp probes" for TCP, and with the failing call
  // and errno's text otherwise.
  static Result<std::unique_ptr<DatagramTransport>> Open(
      crafter::ProbeMethod method, const LiveOptions& options);

  DatagramTransport(const DatagramTransport&) = delete;
  DatagramTransport& operator=(const DatagramTransport&) = delete;
  ~DatagramTransport() override = default;

  // Sends the probe `datagram` describes. The first probe with a given UDP
  // source port (or ICMP identifier) binds a socket to it; a ping socket
  // whose identifier is taken falls back to one the kernel picks, and
  // replies are mapped back to the probe's. Returns the CLOCK_REALTIME
  // time read just before sendto(). Fails when `datagram` is not a UDP or
  // ICMP Echo probe of this transport's method with a plain 20-byte IPv4
  // header, when a bind fails ("bind to 10.0.0.1 port 40000: why"), or
  // when sendto() fails.
  Result<TimePoint> Send(std::span<const uint8_t> datagram) override;

  // Waits with poll() on every socket until `deadline` and returns the
  // next rebuilt reply, with the kernel's SO_TIMESTAMPNS receive time (the
  // time of reading where the kernel gives none). Errors the kernel raised
  // itself (SO_EE_ORIGIN_LOCAL) and errors about datagrams this transport
  // did not send are read and dropped. nullopt once `deadline` passes.
  // Fails when poll() or recvmsg() fails with anything but EINTR or
  // EAGAIN. The returned bytes stay valid until the next call.
  Result<std::optional<ReceivedDatagram>> Receive(TimePoint deadline) override;

 private:
  // One socket per UDP source port, or per ICMP identifier of the probes.
  struct Socket {
    ScopedFd fd;
    // The probes' UDP source port or ICMP identifier.
    uint16_t probe_port = 0;
    // What the kernel puts on the wire: the bound port, or the ping
    // socket's identifier.
    uint16_t wire_port = 0;
    // The TTL, TOS and DF last set, so each option is set only on change.
    int ttl = -1;
    int tos = -1;
    int dont_fragment = -1;
  };

  // A probe as sent: what an error about it names, and its first bytes,
  // which the rebuilt error quotes.
  struct SentProbe {
    crafter::Ipv4Address destination;
    // UDP source port or ICMP identifier, UDP destination port (0 for
    // ICMP), ICMP sequence (0 for UDP).
    uint16_t port = 0;
    uint16_t destination_port = 0;
    uint16_t sequence = 0;
    // The datagram up to kMaxKeptProbeSize bytes, and its whole size.
    std::vector<uint8_t> kept;
    size_t size = 0;
    bool answered = false;
  };

  // What one recvmsg() reported, besides the bytes.
  struct Reported;

  DatagramTransport(crafter::ProbeMethod method, const LiveOptions& options)
      : method_(method), options_(options) {}

  // The socket for probes from `probe_port`, opened and bound on first use.
  Result<Socket*> SocketFor(uint16_t probe_port);
  Result<ScopedFd> OpenSocket() const;
  Status SetProbeOptions(Socket& socket, uint8_t ttl, uint8_t tos,
                         bool dont_fragment);
  // Reads one message from the error queue (`errors`) or the ordinary
  // queue of `socket`, and rebuilds the reply it reports into rebuilt_.
  // nullopt when nothing was queued or the message is not a reply.
  // `consumed` tells whether a message was read at all.
  Result<std::optional<ReceivedDatagram>> ReadOne(const Socket& socket,
                                                  bool errors, bool& consumed);
  std::optional<size_t> RebuildError(const Socket& socket,
                                     const Reported& reported,
                                     std::span<const uint8_t> quoted);
  std::optional<size_t> RebuildEchoReply(const Socket& socket,
                                         const Reported& reported,
                                         std::span<const uint8_t> message);
  // The probe an error with this quote reports: the oldest unanswered one
  // that fits, else the newest that fits; nullptr when none does.
  SentProbe* FindProbe(const Socket& socket, crafter::Ipv4Address destination,
                       uint16_t destination_port,
                       std::span<const uint8_t> quoted);

  // Largest IPv4 datagram: Total Length is a 16-bit field.
  static constexpr size_t kMaxDatagramSize = 65535;
  // RFC 1812 §4.3.2.3: no error quotes more of a probe than fits in 576
  // bytes, so a probe is kept up to that many bytes.
  static constexpr size_t kMaxKeptProbeSize = 576;

  crafter::ProbeMethod method_;
  LiveOptions options_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  // The ping socket Open made, until the first probe binds it.
  std::unique_ptr<Socket> unbound_;
  // The source address of the probes, to which rebuilt replies go.
  crafter::Ipv4Address local_;
  std::vector<SentProbe> sent_;
  std::unique_ptr<std::array<uint8_t, kMaxDatagramSize>> received_ =
      std::make_unique<std::array<uint8_t, kMaxDatagramSize>>();
  std::unique_ptr<std::array<uint8_t, kMaxDatagramSize>> rebuilt_ =
      std::make_unique<std::array<uint8_t, kMaxDatagramSize>>();
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_DATAGRAM_TRANSPORT_H_
