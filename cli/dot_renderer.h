// The path as a Graphviz graph (the DOT language).

#ifndef HOPLAB_CLI_DOT_RENDERER_H_
#define HOPLAB_CLI_DOT_RENDERER_H_

#include <string>

#include "trace/name_resolver.h"
#include "trace/report.h"

namespace hoplab::cli {

// A digraph "hoplab" drawn top to bottom: a node "source" for the tracing
// host labelled `source`, one node per TTL and responder ("h<ttl>_a_b_c_d",
// labelled "<ttl>. a.b.c.d", the marks of its answers such as "!X", and
// the name where `resolver` has one), and a node "silent_<ttl>" labelled
// "<ttl>. *" for a hop nothing answered. A router that answers at several
// TTLs (a loop, a router that answers for the hop behind it) gets a node
// at each. The nodes of one TTL share one rank, so a load-balanced hop's
// routers stand side by side. Every node of a TTL has an edge to every
// node of the next one; the first TTL's nodes hang from "source". The
// destination's nodes are drawn as double circles.
std::string RenderDot(const std::string& source, const trace::Report& report,
                      crafter::Ipv4Address destination,
                      trace::NameResolver* resolver);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_DOT_RENDERER_H_
