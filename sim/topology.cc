#include "sim/topology.h"

namespace hoplab::sim {

const Router* Topology::FindRouter(const std::string& id) const {
  for (const Router& router : routers) {
    if (router.id == id) {
      return &router;
    }
  }
  return nullptr;
}

const Link* Topology::FindLink(const std::string& a,
                               const std::string& b) const {
  for (const Link& link : links) {
    if ((link.a == a && link.b == b) || (link.a == b && link.b == a)) {
      return &link;
    }
  }
  return nullptr;
}

const Target* Topology::FindTarget(crafter::Ipv4Address address) const {
  for (const Target& target : targets) {
    if (target.address == address) {
      return &target;
    }
  }
  return nullptr;
}

}  // namespace hoplab::sim
