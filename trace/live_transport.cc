#include "trace/live_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <iterator>
#include <string>
#include <utility>

#include "crafter/ipv4.h"
#include "trace/socket_io.h"

namespace hoplab::trace {
namespace {

// connect() on a UDP socket needs a port but sends nothing, so any port
// serves; this one is traceroute's first UDP port (33434).
constexpr uint16_t kAnyPort = 33434;

// ICMP types a probe can draw (RFC 792): Echo Reply, Destination
// Unreachable, Source Quench, Time Exceeded, Parameter Problem. The ICMP
// socket's filter (raw(7), ICMP_FILTER) blocks the rest, such as the echo
// requests of other hosts.
constexpr uint8_t kWantedIcmpTypes[] = {0, 3, 4, 11, 12};

// TCP flag bits in byte 13 of the TCP header (RFC 9293 §3.1).
constexpr uint32_t kTcpFlagRst = 0x04;
constexpr uint32_t kTcpFlagsSynAck = 0x12;

// The classic BPF program (socket(7), SO_ATTACH_FILTER) of the TCP receive
// socket. A raw socket's packet starts at the IPv4 header; the program
// finds the TCP header through IHL and keeps a segment when RST is set, or
// SYN and ACK both are. Every other segment of the host stays out of the
// socket's buffer.
//
//   ldxb 4*([0]&0xf)      X = IPv4 header size
//   ldb  [x+13]           A = TCP flags
//   jset #RST, keep       a reset, with or without ACK
//   and  #SYN|ACK
//   jeq  #SYN|ACK, keep, drop
//   keep: ret #0xffffffff (the whole segment)
//   drop: ret #0
constexpr sock_filter kTcpReplyFilter[] = {
    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
    BPF_STMT(BPF_LD | BPF_B | BPF_IND, 13),
    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kTcpFlagRst, 2, 0),
    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, kTcpFlagsSynAck),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kTcpFlagsSynAck, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
    BPF_STMT(BPF_RET | BPF_K, 0),
};

// Opens SOCK_RAW for `protocol`; `name` spells the call for messages.
Result<int> OpenRawSocket(int protocol, const char* name) {
  int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    int error = errno;
    if (error == EPERM || error == EACCES) {
      return Error{std::string(kLiveNeedsPrivilegeMessage)};
    }
    return Error{std::string("socket(AF_INET, SOCK_RAW, ") + name +
                 "): " + ErrnoText(error)};
  }
  return fd;
}

// Binds `fd` to the source address and the interface that `options` name.
Status BindAsOptionsSay(int fd, const LiveOptions& options) {
  if (!options.interface.empty()) {
    if (Status s = BindToInterface(fd, options.interface); !s.ok()) {
      return s;
    }
  }
  if (options.source.has_value()) {
    return BindToAddress(fd, *options.source);
  }
  return Status::Ok();
}

// Opens a raw receive socket for `protocol`: kernel receive timestamps, a
// buffer for bursts of replies, bound as `options` say.
Result<int> OpenReceiveSocket(int protocol, const char* name,
                              const LiveOptions& options) {
  Result<int> opened = OpenRawSocket(protocol, name);
  if (!opened.ok()) {
    return opened.error();
  }
  ScopedFd fd(*opened);

  if (Status s = SetIntOption(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, 1,
                              "SO_TIMESTAMPNS");
      !s.ok()) {
    return Error{s.message()};
  }
  if (Status s = SetIntOption(fd.get(), SOL_SOCKET, SO_RCVBUF,
                              options.receive_buffer_size, "SO_RCVBUF");
      !s.ok()) {
    return Error{s.message()};
  }
  if (Status s = BindAsOptionsSay(fd.get(), options); !s.ok()) {
    return Error{s.message()};
  }
  return fd.release();
}

Status SetIcmpTypeFilter(int fd) {
  // A set bit blocks its type.
  icmp_filter filter{};
  filter.data = ~uint32_t{0};
  for (uint8_t type : kWantedIcmpTypes) {
    filter.data &= ~(uint32_t{1} << type);
  }
  if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)) != 0) {
    return Error{std::string("setsockopt(ICMP_FILTER): ") + ErrnoText(errno)};
  }
  return Status::Ok();
}

Status SetTcpReplyFilter(int fd) {
  sock_fprog program{};
  program.len = static_cast<unsigned short>(std::size(kTcpReplyFilter));
  program.filter = const_cast<sock_filter*>(kTcpReplyFilter);
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) !=
      0) {
    return Error{std::string("setsockopt(SO_ATTACH_FILTER): ") +
                 ErrnoText(errno)};
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LiveTransport>> LiveTransport::Open(
    const LiveOptions& options) {
  std::unique_ptr<LiveTransport> transport(new LiveTransport());

  // raw(7): IPPROTO_RAW implies IP_HDRINCL; set it anyway to say so.
  Result<int> send_fd = OpenRawSocket(IPPROTO_RAW, "IPPROTO_RAW");
  if (!send_fd.ok()) {
    return send_fd.error();
  }
  transport->send_fd_ = *send_fd;
  if (Status s = SetIntOption(transport->send_fd_, IPPROTO_IP, IP_HDRINCL, 1,
                              "IP_HDRINCL");
      !s.ok()) {
    return Error{s.message()};
  }
  if (Status s = BindAsOptionsSay(transport->send_fd_, options); !s.ok()) {
    return Error{s.message()};
  }

  Result<int> icmp_fd =
      OpenReceiveSocket(IPPROTO_ICMP, "IPPROTO_ICMP", options);
  if (!icmp_fd.ok()) {
    return icmp_fd.error();
  }
  transport->receive_fds_.push_back(*icmp_fd);
  if (Status s = SetIcmpTypeFilter(*icmp_fd); !s.ok()) {
    return Error{s.message()};
  }

  Result<int> tcp_fd = OpenReceiveSocket(IPPROTO_TCP, "IPPROTO_TCP", options);
  if (!tcp_fd.ok()) {
    return tcp_fd.error();
  }
  transport->receive_fds_.push_back(*tcp_fd);
  if (Status s = SetTcpReplyFilter(*tcp_fd); !s.ok()) {
    return Error{s.message()};
  }
  return transport;
}

LiveTransport::~LiveTransport() {
  if (send_fd_ >= 0) {
    close(send_fd_);
  }
  for (int fd : receive_fds_) {
    close(fd);
  }
}

Result<TimePoint> LiveTransport::Send(std::span<const uint8_t> datagram) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    return Error{
        "live transport: cannot send a datagram whose IPv4 header "
        "does not parse: " +
        header.error().ToString()};
  }
  sockaddr_in to = ToSockaddr(header->destination, 0);

  TimePoint sent_at = SystemClock().Now();
  ssize_t sent = sendto(send_fd_, datagram.data(), datagram.size(), 0,
                        reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  if (sent < 0) {
    int error = errno;
    return Error{"sendto " + header->destination.ToString() + ": " +
                 ErrnoText(error)};
  }
  if (static_cast<size_t>(sent) != datagram.size()) {
    return Error{"sendto " + header->destination.ToString() + ": sent " +
                 std::to_string(sent) + " of " +
                 std::to_string(datagram.size()) + " bytes"};
  }
  return sent_at;
}

Result<std::optional<ReceivedDatagram>> LiveTransport::ReadOne(int fd) {
  iovec data{buffer_->data(), buffer_->size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);

  ssize_t size = recvmsg(fd, &message, MSG_DONTWAIT);
  if (size < 0) {
    int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) {
      return std::optional<ReceivedDatagram>();
    }
    return Error{"recvmsg on a raw receive socket: " + ErrnoText(error)};
  }

  TimePoint at = KernelTimestamp(message).value_or(SystemClock().Now());
  return std::optional<ReceivedDatagram>(ReceivedDatagram{
      std::span<const uint8_t>(buffer_->data(), static_cast<size_t>(size)),
      at});
}

Result<std::optional<ReceivedDatagram>> LiveTransport::Receive(
    TimePoint deadline) {
  std::vector<pollfd> polled;
  for (int fd : receive_fds_) {
    polled.push_back(pollfd{fd, POLLIN, 0});
  }

  for (;;) {
    // Hand out what is queued already before waiting for more.
    for (int fd : receive_fds_) {
      auto read = ReadOne(fd);
      if (!read.ok() || read->has_value()) {
        return read;
      }
    }

    Duration left = deadline - SystemClock().Now();
    if (left <= Duration::zero()) {
      return std::optional<ReceivedDatagram>();
    }
    timespec timeout = ToTimespec(left);
    int ready = ppoll(polled.data(), polled.size(), &timeout, nullptr);
    if (ready < 0 && errno == EINTR) {
      // A signal: let the caller look at what it asks for (Ctrl-C).
      return std::optional<ReceivedDatagram>();
    }
    if (ready < 0) {
      return Error{"ppoll on the raw receive sockets: " + ErrnoText(errno)};
    }
  }
}

Result<crafter::Ipv4Address> PickSourceAddress(crafter::Ipv4Address destination,
                                               const std::string& interface) {
  ScopedFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return Error{"socket(AF_INET, SOCK_DGRAM): " + ErrnoText(errno)};
  }
  if (!interface.empty()) {
    if (Status s = BindToInterface(fd.get(), interface); !s.ok()) {
      return Error{s.message()};
    }
  }

  sockaddr_in to = ToSockaddr(destination, kAnyPort);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) !=
      0) {
    int error = errno;
    return Error{"no route to " + destination.ToString() + ": " +
                 ErrnoText(error)};
  }

  sockaddr_in local{};
  socklen_t local_size = sizeof(local);
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_size) !=
      0) {
    int error = errno;
    return Error{"getsockname on a UDP socket connected to " +
                 destination.ToString() + ": " + ErrnoText(error)};
  }
  return crafter::Ipv4Address(ntohl(local.sin_addr.s_addr));
}

}  // namespace hoplab::trace
