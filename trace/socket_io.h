// Socket plumbing that the live transports share: an owned descriptor,
// option setters that word their failures, binding to an address or an
// interface, and kernel receive timestamps.

#ifndef HOPLAB_TRACE_SOCKET_IO_H_
#define HOPLAB_TRACE_SOCKET_IO_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "crafter/ipv4_address.h"
#include "crafter/result.h"
#include "trace/clock.h"

namespace hoplab::trace {

// A file descriptor closed when it goes out of scope, unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// strerror(error) as a string.
std::string ErrnoText(int error);

// setsockopt with an int value. Fails with "setsockopt(NAME): why", `name`
// spelling the option.
Status SetIntOption(int fd, int level, int option, int value, const char* name);

// SO_BINDTODEVICE `interface`. Fails with "SO_BINDTODEVICE eth9: why".
Status BindToInterface(int fd, const std::string& interface);

// bind() to `address`, port `port`. Fails with "bind to 10.0.0.1: why"
// (the port named too when it is not zero).
Status BindToAddress(int fd, crafter::Ipv4Address address, uint16_t port = 0);

sockaddr_in ToSockaddr(crafter::Ipv4Address address, uint16_t port);

// The time a received message carries in its SCM_TIMESTAMPNS control
// message (SO_TIMESTAMPNS), if it carries one.
std::optional<TimePoint> KernelTimestamp(msghdr& message);

// A non-negative duration as a timespec for ppoll.
timespec ToTimespec(Duration duration);

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_SOCKET_IO_H_
