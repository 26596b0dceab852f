#include "trace/datagram_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/ipv4.h"
#include "crafter/udp.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using crafter::ProbeMethod;

// Offset of the Echo identifier within an ICMP Echo or Echo Reply message
// (RFC 792).
constexpr size_t kEchoIdentifierOffset = 4;
// How often Send retries a sendto() that failed with an error an earlier
// ICMP error left pending on the socket (udp(7): with IP_RECVERR the error
// is also returned by the next socket operation, which clears it).
constexpr int kMaxSendAttempts = 4;
// Control buffer room: a timestamp, TTL, TOS, and an extended error with
// its offender's address.
constexpr size_t kControlSize = 512;

// The parts of a probe the kernel is given, parsed from its datagram.
struct ProbeParts {
  crafter::Ipv4Header ip;
  // UDP source port, or ICMP Echo identifier.
  uint16_t port = 0;
  // UDP destination port; 0 for ICMP.
  uint16_t destination_port = 0;
  // What goes to sendto(): the UDP data, or the whole ICMP message.
  std::span<const uint8_t> payload;
  // ICMP: the Echo sequence number.
  uint16_t sequence = 0;
};

Result<ProbeParts> ParseProbeParts(std::span<const uint8_t> datagram,
                                   ProbeMethod method) {
  auto ip = crafter::ParseIpv4Header(datagram);
  if (!ip.ok()) {
    return Error{
        "datagram transport: the probe's IPv4 header does not "
        "parse: " +
        ip.error().ToString()};
  }
  if (ip->header_size() != crafter::kIpv4MinHeaderSize ||
      ip->total_length != datagram.size()) {
    return Error{
        "datagram transport: a probe needs a 20-byte IPv4 header and a "
        "Total Length equal to its size (IP options need raw sockets)"};
  }
  ProbeParts parts;
  parts.ip = *ip;
  const auto transport = datagram.subspan(crafter::kIpv4MinHeaderSize);
  if (method == ProbeMethod::kUdp &&
      ip->protocol == crafter::IpProtocol::kUdp) {
    auto udp = crafter::ParseUdpHeader(transport);
    if (udp.ok()) {
      parts.port = udp->source_port;
      parts.destination_port = udp->destination_port;
      parts.payload = transport.subspan(crafter::kUdpHeaderSize);
      return parts;
    }
  }
  if (method == ProbeMethod::kIcmp &&
      ip->protocol == crafter::IpProtocol::kIcmp) {
    auto icmp = crafter::ParseIcmpMessage(transport);
    if (icmp.ok() && icmp->type == crafter::IcmpType::kEchoRequest &&
        icmp->code == 0) {
      parts.port = icmp->identifier();
      parts.sequence = icmp->sequence();
      parts.payload = transport;
      return parts;
    }
  }
  return Error{"datagram transport: expected a " +
               std::string(crafter::ProbeMethodName(method)) +
               " probe, found IP protocol " +
               std::to_string(static_cast<int>(ip->protocol))};
}

// The message a refused ping socket gets: the group range that excludes
// the caller, as the kernel has it.
std::string PingSocketRefusedMessage() {
  std::ifstream file("/proc/sys/net/ipv4/ping_group_range");
  std::string low;
  std::string high;
  file >> low >> high;
  return "ping sockets are not allowed for group " + std::to_string(getegid()) +
         " (net.ipv4.ping_group_range is \"" + low + " " + high + "\")";
}

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

// What one recvmsg() reported, besides the bytes.
struct DatagramTransport::Reported {
  sockaddr_in from{};
  std::optional<TimePoint> at;
  std::optional<uint8_t> ttl;
  std::optional<uint8_t> tos;
  std::optional<sock_extended_err> error;
  std::optional<Ipv4Address> offender;
};

namespace {

// Reads IP_TTL, IP_TOS, IP_RECVERR (with SO_EE_OFFENDER) and the kernel
// timestamp from the control messages of `message`.
template <typename Reported>
void ReadControl(msghdr& message, Reported& out) {
  out.at = KernelTimestamp(message);
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
       c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != IPPROTO_IP) {
      continue;
    }
    if (c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int ttl;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
      out.ttl = static_cast<uint8_t>(ttl);
    } else if (c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
      out.tos = *CMSG_DATA(c);
    } else if (c->cmsg_type == IP_RECVERR &&
               c->cmsg_len >=
                   CMSG_LEN(sizeof(sock_extended_err) + sizeof(sockaddr_in))) {
      sock_extended_err error;
      std::memcpy(&error, CMSG_DATA(c), sizeof(error));
      out.error = error;
      // SO_EE_OFFENDER: the address right after the extended error.
      sockaddr_in offender;
      std::memcpy(&offender, CMSG_DATA(c) + sizeof(error), sizeof(offender));
      if (offender.sin_family == AF_INET) {
        out.offender = Ipv4Address(ntohl(offender.sin_addr.s_addr));
      }
    }
  }
}

}  // namespace

bool DatagramTransport::Supports(crafter::ProbeMethod method) {
  return method == ProbeMethod::kUdp || method == ProbeMethod::kIcmp;
}

Result<std::unique_ptr<DatagramTransport>> DatagramTransport::Open(
    crafter::ProbeMethod method, const LiveOptions& options) {
  if (!Supports(method)) {
    return Error{"no unprivileged path for " +
                 std::string(crafter::ProbeMethodName(method)) + " probes"};
  }
  std::unique_ptr<DatagramTransport> transport(
      new DatagramTransport(method, options));

  // A ping socket now, so that a refusal is known before any probe; it
  // waits unbound for the first probe's identifier.
  if (method == ProbeMethod::kIcmp) {
    auto fd = transport->OpenSocket();
    if (!fd.ok()) {
      return fd.error();
    }
    auto socket = std::make_unique<Socket>();
    socket->fd = std::move(fd).value();
    transport->unbound_ = std::move(socket);
  }
  return transport;
}

Result<ScopedFd> DatagramTransport::OpenSocket() const {
  const bool ping = method_ == ProbeMethod::kIcmp;
  ScopedFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC,
                     ping ? IPPROTO_ICMP : IPPROTO_UDP));
  if (fd.get() < 0) {
    int error = errno;
    if (ping && (error == EACCES || error == EPERM)) {
      return Error{PingSocketRefusedMessage()};
    }
    return Error{std::string("socket(AF_INET, SOCK_DGRAM, ") +
                 (ping ? "IPPROTO_ICMP" : "IPPROTO_UDP") +
                 "): " + ErrnoText(error)};
  }

  const std::pair<int, const char*> ip_options[] = {{IP_RECVERR, "IP_RECVERR"},
                                                    {IP_RECVTTL, "IP_RECVTTL"},
                                                    {IP_RECVTOS, "IP_RECVTOS"}};
  for (const auto& [option, name] : ip_options) {
    if (Status s = SetIntOption(fd.get(), IPPROTO_IP, option, 1, name);
        !s.ok()) {
      return Error{s.message()};
    }
  }
  if (Status s = SetIntOption(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, 1,
                              "SO_TIMESTAMPNS");
      !s.ok()) {
    return Error{s.message()};
  }
  if (!options_.interface.empty()) {
    if (Status s = BindToInterface(fd.get(), options_.interface); !s.ok()) {
      return Error{s.message()};
    }
  }
  return fd;
}

Result<DatagramTransport::Socket*> DatagramTransport::SocketFor(
    uint16_t probe_port) {
  for (const auto& socket : sockets_) {
    if (socket->probe_port == probe_port) {
      return socket.get();
    }
  }
  std::unique_ptr<Socket> socket = std::move(unbound_);
  if (socket == nullptr) {
    auto fd = OpenSocket();
    if (!fd.ok()) {
      return fd.error();
    }
    socket = std::make_unique<Socket>();
    socket->fd = std::move(fd).value();
  }
  socket->probe_port = probe_port;

  // A ping socket takes the probes' identifier when it is free, and one
  // the kernel picks otherwise (Receive maps replies back).
  const Ipv4Address local = options_.source.value_or(Ipv4Address());
  Status bound = BindToAddress(socket->fd.get(), local, probe_port);
  if (!bound.ok() && method_ == ProbeMethod::kIcmp) {
    bound = BindToAddress(socket->fd.get(), local, 0);
  }
  if (!bound.ok()) {
    return Error{bound.message()};
  }
  sockaddr_in name{};
  socklen_t name_size = sizeof(name);
  if (getsockname(socket->fd.get(), reinterpret_cast<sockaddr*>(&name),
                  &name_size) != 0) {
    return Error{"getsockname on a datagram socket: " + ErrnoText(errno)};
  }
  socket->wire_port = ntohs(name.sin_port);
  sockets_.push_back(std::move(socket));
  return sockets_.back().get();
}

Status DatagramTransport::SetProbeOptions(Socket& socket, uint8_t ttl,
                                          uint8_t tos, bool dont_fragment) {
  const int fd = socket.fd.get();
  if (socket.ttl != ttl) {
    if (Status s = SetIntOption(fd, IPPROTO_IP, IP_TTL, ttl, "IP_TTL");
        !s.ok()) {
      return s;
    }
    socket.ttl = ttl;
  }
  if (socket.tos != tos) {
    if (Status s = SetIntOption(fd, IPPROTO_IP, IP_TOS, tos, "IP_TOS");
        !s.ok()) {
      return s;
    }
    socket.tos = tos;
  }
  // ip(7): PMTUDISC_PROBE sets DF whatever the path MTU cache holds, as
  // a probe of a chosen size needs; PMTUDISC_DONT leaves it clear.
  const int df = dont_fragment ? 1 : 0;
  if (socket.dont_fragment != df) {
    if (Status s =
            SetIntOption(fd, IPPROTO_IP, IP_MTU_DISCOVER,
                         dont_fragment ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT,
                         "IP_MTU_DISCOVER");
        !s.ok()) {
      return s;
    }
    socket.dont_fragment = df;
  }
  return Status::Ok();
}

Result<TimePoint> DatagramTransport::Send(std::span<const uint8_t> datagram) {
  auto parts = ParseProbeParts(datagram, method_);
  if (!parts.ok()) {
    return parts.error();
  }
  auto socket = SocketFor(parts->port);
  if (!socket.ok()) {
    return socket.error();
  }
  if (Status s = SetProbeOptions(**socket, parts->ip.ttl, parts->ip.tos,
                                 parts->ip.dont_fragment);
      !s.ok()) {
    return Error{s.message()};
  }

  const sockaddr_in to =
      ToSockaddr(parts->ip.destination, parts->destination_port);
  TimePoint sent_at;
  ssize_t sent = -1;
  int error = 0;
  for (int attempt = 0; attempt < kMaxSendAttempts && sent < 0; ++attempt) {
    sent_at = SystemClock().Now();
    sent = sendto((*socket)->fd.get(), parts->payload.data(),
                  parts->payload.size(), 0,
                  reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    error = errno;
  }
  if (sent < 0) {
    return Error{"sendto " + parts->ip.destination.ToString() + ": " +
                 ErrnoText(error)};
  }

  SentProbe probe;
  probe.destination = parts->ip.destination;
  probe.port = parts->port;
  probe.destination_port = parts->destination_port;
  probe.sequence = parts->sequence;
  probe.kept.assign(
      datagram.begin(),
      datagram.begin() +
          static_cast<ptrdiff_t>(std::min(datagram.size(), kMaxKeptProbeSize)));
  probe.size = datagram.size();
  sent_.push_back(std::move(probe));
  local_ = parts->ip.source;
  return sent_at;
}

DatagramTransport::SentProbe* DatagramTransport::FindProbe(
    const Socket& socket, Ipv4Address destination, uint16_t destination_port,
    std::span<const uint8_t> quoted) {
  // UDP: the kernel reports the quoted UDP data, not the UDP header. ICMP:
  // the quoted Echo message, whose identifier is the socket's; the
  // sequence and the data after the header tell the probe. Where a router
  // quoted only 8 bytes, UDP probes that differ only in their data (Paris)
  // all fit, and the oldest unanswered one is taken (README, "Known
  // limitations").
  const bool icmp = method_ == ProbeMethod::kIcmp;
  if (icmp && quoted.size() < crafter::kIcmpHeaderSize) {
    return nullptr;
  }
  const uint16_t sequence =
      icmp ? static_cast<uint16_t>(quoted[6] << 8 | quoted[7]) : 0;
  const size_t data_offset =
      crafter::kIpv4MinHeaderSize +
      (icmp ? crafter::kIcmpHeaderSize : crafter::kUdpHeaderSize);
  const auto quoted_data =
      icmp ? quoted.subspan(crafter::kIcmpHeaderSize) : quoted;

  SentProbe* newest = nullptr;
  for (SentProbe& probe : sent_) {
    if (probe.destination != destination || probe.port != socket.probe_port ||
        probe.destination_port != destination_port ||
        probe.sequence != sequence ||
        data_offset + quoted_data.size() > probe.size) {
      continue;
    }
    const auto kept_data =
        std::span<const uint8_t>(probe.kept).subspan(data_offset);
    const size_t compared = std::min(kept_data.size(), quoted_data.size());
    if (!Equal(kept_data.first(compared), quoted_data.first(compared))) {
      continue;
    }
    if (!probe.answered) {
      return &probe;
    }
    newest = &probe;
  }
  return newest;
}

std::optional<size_t> DatagramTransport::RebuildError(
    const Socket& socket, const Reported& reported,
    std::span<const uint8_t> quoted) {
  if (!reported.error.has_value() ||
      reported.error->ee_origin != SO_EE_ORIGIN_ICMP ||
      !reported.offender.has_value()) {
    return std::nullopt;
  }
  const Ipv4Address destination(ntohl(reported.from.sin_addr.s_addr));
  SentProbe* probe =
      FindProbe(socket, destination, ntohs(reported.from.sin_port), quoted);
  if (probe == nullptr) {
    return std::nullopt;
  }
  probe->answered = true;

  // The quote holds the probe's IP header, its UDP header (which the
  // kernel does not return) and the data it returned; an ICMP quote
  // starts at the Echo header, which it does return.
  const size_t transport_quoted = method_ == ProbeMethod::kUdp
                                      ? crafter::kUdpHeaderSize + quoted.size()
                                      : quoted.size();
  crafter::IcmpErrorSpec spec;
  spec.source = *reported.offender;
  spec.destination = local_;
  spec.ttl = reported.ttl.value_or(0);
  spec.tos = reported.tos.value_or(0);
  spec.ip_id = 0;
  spec.type = static_cast<crafter::IcmpType>(reported.error->ee_type);
  spec.code = reported.error->ee_code;
  if (spec.type == crafter::IcmpType::kDestinationUnreachable &&
      spec.code == static_cast<uint8_t>(
                       crafter::UnreachableCode::kFragmentationNeeded)) {
    spec.next_hop_mtu = static_cast<uint16_t>(reported.error->ee_info);
  }
  spec.max_error_size = crafter::kIpv4MinHeaderSize + crafter::kIcmpHeaderSize +
                        crafter::kIpv4MinHeaderSize + transport_quoted;
  spec.offending = probe->kept;
  const size_t size = crafter::BuildIcmpError(spec, *rebuilt_);
  return size == 0 ? std::nullopt : std::optional<size_t>(size);
}

std::optional<size_t> DatagramTransport::RebuildEchoReply(
    const Socket& socket, const Reported& reported,
    std::span<const uint8_t> message) {
  if (method_ != ProbeMethod::kIcmp ||
      message.size() < crafter::kIcmpHeaderSize ||
      message[0] != static_cast<uint8_t>(crafter::IcmpType::kEchoReply) ||
      crafter::kIpv4MinHeaderSize + message.size() > rebuilt_->size()) {
    return std::nullopt;
  }
  crafter::Ipv4Header ip;
  ip.tos = reported.tos.value_or(0);
  ip.total_length =
      static_cast<uint16_t>(crafter::kIpv4MinHeaderSize + message.size());
  ip.id = 0;
  ip.ttl = reported.ttl.value_or(0);
  ip.protocol = crafter::IpProtocol::kIcmp;
  ip.source = Ipv4Address(ntohl(reported.from.sin_addr.s_addr));
  ip.destination = local_;
  const std::span<uint8_t> out(rebuilt_->data(), ip.total_length);
  if (crafter::WriteIpv4Header(ip, out) != crafter::kIpv4MinHeaderSize) {
    return std::nullopt;
  }

  // The message as the kernel delivered it, with the probes' identifier
  // in place of the socket's, and its checksum patched to match.
  const std::span<uint8_t> icmp = out.subspan(crafter::kIpv4MinHeaderSize);
  std::copy(message.begin(), message.end(), icmp.begin());
  icmp[kEchoIdentifierOffset] = static_cast<uint8_t>(socket.probe_port >> 8);
  icmp[kEchoIdentifierOffset + 1] = static_cast<uint8_t>(socket.probe_port);
  crafter::PatchIcmpChecksum(icmp);
  return ip.total_length;
}

Result<std::optional<ReceivedDatagram>> DatagramTransport::ReadOne(
    const Socket& socket, bool errors, bool& consumed) {
  sockaddr_in from{};
  iovec data{received_->data(), received_->size()};
  alignas(cmsghdr) char control[kControlSize];
  msghdr message{};
  message.msg_name = &from;
  message.msg_namelen = sizeof(from);
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);

  consumed = false;
  const int flags = MSG_DONTWAIT | (errors ? MSG_ERRQUEUE : 0);
  ssize_t size = recvmsg(socket.fd.get(), &message, flags);
  if (size < 0) {
    int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) {
      return std::optional<ReceivedDatagram>();
    }
    return Error{"recvmsg on a datagram socket: " + ErrnoText(error)};
  }
  consumed = true;

  Reported reported;
  reported.from = from;
  ReadControl(message, reported);
  const std::span<const uint8_t> bytes(received_->data(),
                                       static_cast<size_t>(size));
  std::optional<size_t> rebuilt =
      errors ? RebuildError(socket, reported, bytes)
             : RebuildEchoReply(socket, reported, bytes);
  if (!rebuilt.has_value()) {
    return std::optional<ReceivedDatagram>();
  }
  return std::optional<ReceivedDatagram>(
      ReceivedDatagram{std::span<const uint8_t>(rebuilt_->data(), *rebuilt),
                       reported.at.value_or(SystemClock().Now())});
}

Result<std::optional<ReceivedDatagram>> DatagramTransport::Receive(
    TimePoint deadline) {
  for (;;) {
    // Hand out what is queued already, errors first, before waiting.
    bool consumed_any = false;
    for (const auto& socket : sockets_) {
      for (bool errors : {true, false}) {
        bool consumed = false;
        auto read = ReadOne(*socket, errors, consumed);
        if (!read.ok() || read->has_value()) {
          return read;
        }
        consumed_any = consumed_any || consumed;
      }
    }
    if (consumed_any) {
      continue;
    }

    Duration left = deadline - SystemClock().Now();
    if (left <= Duration::zero()) {
      return std::optional<ReceivedDatagram>();
    }
    std::vector<pollfd> polled;
    for (const auto& socket : sockets_) {
      polled.push_back(pollfd{socket->fd.get(), POLLIN, 0});
    }
    timespec timeout = ToTimespec(left);
    int ready = ppoll(polled.data(), polled.size(), &timeout, nullptr);
    if (ready < 0 && errno == EINTR) {
      // A signal: let the caller look at what it asks for (Ctrl-C).
      return std::optional<ReceivedDatagram>();
    }
    if (ready < 0) {
      return Error{"ppoll on the datagram sockets: " + ErrnoText(errno)};
    }
  }
}

}  // namespace hoplab::trace
