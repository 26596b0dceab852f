#include "trace/live_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "crafter/ipv4.h"

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

std::string ErrnoText(int error) { return std::strerror(error); }

// A file descriptor closed when it goes out of scope, unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
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

Status SetIntOption(int fd, int level, int option, int value,
                    const char* name) {
  if (setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
    return Error{std::string("setsockopt(") + name + "): " + ErrnoText(errno)};
  }
  return Status::Ok();
}

// Opens the ICMP receive socket: kernel receive timestamps, a buffer for
// bursts of replies, and the type filter.
Result<int> OpenIcmpReceiveSocket(const LiveOptions& options) {
  Result<int> opened = OpenRawSocket(IPPROTO_ICMP, "IPPROTO_ICMP");
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

  // A set bit blocks its type.
  icmp_filter filter{};
  filter.data = ~uint32_t{0};
  for (uint8_t type : kWantedIcmpTypes) {
    filter.data &= ~(uint32_t{1} << type);
  }
  if (setsockopt(fd.get(), SOL_RAW, ICMP_FILTER, &filter, sizeof(filter)) !=
      0) {
    return Error{std::string("setsockopt(ICMP_FILTER): ") + ErrnoText(errno)};
  }
  return fd.release();
}

TimePoint FromTimespec(const timespec& time) {
  return TimePoint(std::chrono::seconds(time.tv_sec) +
                   std::chrono::nanoseconds(time.tv_nsec));
}

// The SO_TIMESTAMPNS control message of `message`, if it carries one.
std::optional<TimePoint> KernelTimestamp(msghdr& message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
       c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec time{};
      std::memcpy(&time, CMSG_DATA(c), sizeof(time));
      return FromTimespec(time);
    }
  }
  return std::nullopt;
}

timespec ToTimespec(Duration duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  timespec out{};
  out.tv_sec = static_cast<time_t>(seconds.count());
  out.tv_nsec = static_cast<long>((duration - seconds).count());
  return out;
}

sockaddr_in ToSockaddr(crafter::Ipv4Address address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.value());
  return out;
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

  Result<int> icmp_fd = OpenIcmpReceiveSocket(options);
  if (!icmp_fd.ok()) {
    return icmp_fd.error();
  }
  transport->receive_fds_.push_back(*icmp_fd);
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
    if (ready < 0 && errno != EINTR) {
      return Error{"ppoll on the raw receive sockets: " + ErrnoText(errno)};
    }
  }
}

Result<crafter::Ipv4Address> PickSourceAddress(
    crafter::Ipv4Address destination) {
  ScopedFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return Error{"socket(AF_INET, SOCK_DGRAM): " + ErrnoText(errno)};
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
