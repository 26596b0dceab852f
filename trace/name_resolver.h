// NameResolver: reverse names for the addresses a trace shows.

#ifndef HOPLAB_TRACE_NAME_RESOLVER_H_
#define HOPLAB_TRACE_NAME_RESOLVER_H_

#include <optional>
#include <string>
#include <unordered_map>

#include "crafter/ipv4_address.h"

namespace hoplab::trace {

class NameResolver {
 public:
  virtual ~NameResolver() = default;
  // The address's name, or nullopt when it has none.
  virtual std::optional<std::string> ReverseName(
      crafter::Ipv4Address address) = 0;
};

// Reverse DNS through the system resolver (getnameinfo with NI_NAMEREQD),
// each address asked once per process. Sends DNS queries: used only for
// --live traces without -n.
class SystemNameResolver final : public NameResolver {
 public:
  std::optional<std::string> ReverseName(crafter::Ipv4Address address) override;

 private:
  std::unordered_map<uint32_t, std::optional<std::string>> cache_;
};

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_NAME_RESOLVER_H_
