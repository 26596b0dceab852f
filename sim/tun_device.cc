#include "sim/tun_device.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hoplab::sim {
namespace {

constexpr char kTunPath[] = "/dev/net/tun";

}  // namespace

Result<std::unique_ptr<TunDevice>> TunDevice::Create(const std::string& name) {
  // IFNAMSIZ counts the terminating NUL.
  if (name.empty() || name.size() >= IFNAMSIZ ||
      name.find_first_of("/ \t\n:") != std::string::npos) {
    return Error{"device name '" + name + "': expected 1 to " +
                 std::to_string(IFNAMSIZ - 1) +
                 " characters without '/', ':' or spaces"};
  }
  const int fd = open(kTunPath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return Error{std::string("cannot open ") + kTunPath + ": " +
                 std::strerror(errno) + "; " + kTunNeedsPrivilegeMessage};
  }

  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(request.ifr_name, name.data(), name.size());
  if (ioctl(fd, TUNSETIFF, &request) != 0) {
    const int error = errno;
    close(fd);
    if (error == EPERM) {
      return Error{"cannot create TUN device " + name + ": " +
                   std::strerror(error) + "; " + kTunNeedsPrivilegeMessage};
    }
    return Error{"cannot create TUN device " + name + ": " +
                 std::strerror(error) +
                 (error == EBUSY ? " (the name is taken)" : "")};
  }
  return std::unique_ptr<TunDevice>(new TunDevice(
      fd, std::string(request.ifr_name, strnlen(request.ifr_name, IFNAMSIZ))));
}

TunDevice::~TunDevice() { close(fd_); }

}  // namespace hoplab::sim
