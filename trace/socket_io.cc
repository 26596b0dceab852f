#include "trace/socket_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace hoplab::trace {

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

std::string ErrnoText(int error) { return std::strerror(error); }

Status SetIntOption(int fd, int level, int option, int value,
                    const char* name) {
  if (setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
    return Error{std::string("setsockopt(") + name + "): " + ErrnoText(errno)};
  }
  return Status::Ok();
}

Status BindToInterface(int fd, const std::string& interface) {
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                 static_cast<socklen_t>(interface.size())) != 0) {
    return Error{"SO_BINDTODEVICE " + interface + ": " + ErrnoText(errno)};
  }
  return Status::Ok();
}

Status BindToAddress(int fd, crafter::Ipv4Address address, uint16_t port) {
  sockaddr_in local = ToSockaddr(address, port);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    int error = errno;
    std::string where = address.ToString();
    if (port != 0) {
      where += " port " + std::to_string(port);
    }
    return Error{"bind to " + where + ": " + ErrnoText(error)};
  }
  return Status::Ok();
}

sockaddr_in ToSockaddr(crafter::Ipv4Address address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(port);
  out.sin_addr.s_addr = htonl(address.value());
  return out;
}

std::optional<TimePoint> KernelTimestamp(msghdr& message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
       c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
        c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec time{};
      std::memcpy(&time, CMSG_DATA(c), sizeof(time));
      return TimePoint(std::chrono::seconds(time.tv_sec) +
                       std::chrono::nanoseconds(time.tv_nsec));
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

}  // namespace hoplab::trace
