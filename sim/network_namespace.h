// NamedNetworkNamespace: a network namespace of the simulator's own, named
// under /run/netns as `ip netns add` names one (ip-netns(8)), so that
// `ip netns exec NAME ...` runs programs in it.

#ifndef HOPLAB_SIM_NETWORK_NAMESPACE_H_
#define HOPLAB_SIM_NETWORK_NAMESPACE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crafter/result.h"

namespace hoplab::sim {

class NamedNetworkNamespace {
 public:
  // Creates a new network namespace, moves the calling thread into it, and
  // names it `name` (letters, digits, '.', '_' and '-'; 1 to 64 of them,
  // not "." or ".."): /run/netns/NAME holds a bind mount of it. Needs
  // CAP_SYS_ADMIN (root). Fails with one line naming the cause, leaving
  // nothing behind; a name that exists already is refused, never reused.
  // The calling process must be single-threaded.
  static Result<std::unique_ptr<NamedNetworkNamespace>> Create(
      const std::string& name);

  NamedNetworkNamespace(const NamedNetworkNamespace&) = delete;
  NamedNetworkNamespace& operator=(const NamedNetworkNamespace&) = delete;
  // Removes the name. The namespace itself ends when the last process in
  // it leaves (this one, when it exits).
  ~NamedNetworkNamespace();

  const std::string& name() const { return name_; }

 private:
  NamedNetworkNamespace(std::string name, std::string path)
      : name_(std::move(name)), path_(std::move(path)) {}

  std::string name_;
  std::string path_;
};

// The interfaces of the calling thread's network namespace other than
// loopback ("lo"), by name. Empty in a namespace fresh from `unshare -n`
// or `ip netns add`; a host's own namespace has some.
std::vector<std::string> NonLoopbackInterfaces();

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_NETWORK_NAMESPACE_H_
