#include "trace/name_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace hoplab::trace {

std::optional<std::string> SystemNameResolver::ReverseName(
    crafter::Ipv4Address address) {
  if (auto cached = cache_.find(address.value()); cached != cache_.end()) {
    return cached->second;
  }
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_addr.s_addr = htonl(address.value());
  char host[NI_MAXHOST];
  std::optional<std::string> name;
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&socket_address),
                  sizeof(socket_address), host, sizeof(host), nullptr, 0,
                  NI_NAMEREQD) == 0) {
    name = host;
  }
  cache_.emplace(address.value(), name);
  return name;
}

}  // namespace hoplab::trace
