#include "sim/network_namespace.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hoplab::sim {
namespace {

// Where ip-netns(8) keeps its names.
constexpr char kNetnsDirectory[] = "/run/netns";
constexpr size_t kMaxNameSize = 64;

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameSize || name == "." ||
      name == "..") {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

Error SystemError(const std::string& what) {
  return Error{what + ": " + std::strerror(errno)};
}

// /run/netns as ip-netns(8) prepares it: a directory that is a shared
// mount, so names added later show in every mount namespace that sees it.
Status PrepareDirectory() {
  if (mkdir(kNetnsDirectory, 0755) != 0 && errno != EEXIST) {
    return SystemError(std::string("cannot create ") + kNetnsDirectory);
  }
  if (mount("", kNetnsDirectory, "none", MS_SHARED | MS_REC, nullptr) == 0) {
    return Status::Ok();
  }
  // Not a mount point yet: make it one by binding it onto itself.
  if (errno != EINVAL ||
      mount(kNetnsDirectory, kNetnsDirectory, "none", MS_BIND | MS_REC,
            nullptr) != 0 ||
      mount("", kNetnsDirectory, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return SystemError(std::string("--netns needs root (as an ordinary ") +
                       "user, serve under `unshare -rn` with " +
                       "--current-netns): cannot make " + kNetnsDirectory +
                       " a shared mount");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<NamedNetworkNamespace>> NamedNetworkNamespace::Create(
    const std::string& name) {
  if (!IsValidName(name)) {
    return Error{"network namespace name '" + name +
                 "': expected 1 to 64 of letters, digits, '.', '_' and '-'"};
  }
  if (Status prepared = PrepareDirectory(); !prepared.ok()) {
    return Error{prepared.message()};
  }

  // The file the namespace is bound onto; O_EXCL refuses a name in use.
  const std::string path = std::string(kNetnsDirectory) + "/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Error{"network namespace " + name + " exists already (" + path +
                   ")"};
    }
    return SystemError("cannot create " + path);
  }
  close(fd);

  if (unshare(CLONE_NEWNET) != 0) {
    Error error = SystemError("cannot create a network namespace (needs root)");
    unlink(path.c_str());
    return error;
  }
  if (mount("/proc/self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
    Error error =
        SystemError("cannot bind the new network namespace to " + path);
    unlink(path.c_str());
    return error;
  }
  return std::unique_ptr<NamedNetworkNamespace>(
      new NamedNetworkNamespace(name, path));
}

NamedNetworkNamespace::~NamedNetworkNamespace() {
  // MNT_DETACH: a program still inside (ip netns exec ...) keeps the
  // namespace, not the name.
  umount2(path_.c_str(), MNT_DETACH);
  unlink(path_.c_str());
}

std::vector<std::string> NonLoopbackInterfaces() {
  std::vector<std::string> names;
  struct if_nameindex* interfaces = if_nameindex();
  if (interfaces == nullptr) {
    return names;
  }
  for (const struct if_nameindex* it = interfaces; it->if_index != 0; ++it) {
    if (std::strcmp(it->if_name, "lo") != 0) {
      names.emplace_back(it->if_name);
    }
  }
  if_freenameindex(interfaces);
  return names;
}

}  // namespace hoplab::sim
