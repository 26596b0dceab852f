// The trace in Linux traceroute's text layout, so that scripts written for
// traceroute(8) read hoplab's output unchanged.

#ifndef HOPLAB_CLI_TEXT_RENDERER_H_
#define HOPLAB_CLI_TEXT_RENDERER_H_

#include <string>

#include "trace/hop.h"
#include "trace/name_resolver.h"

namespace hoplab::cli {

struct TraceHeader {
  // As the user typed it, and its address.
  std::string target;
  std::string address;
  int max_ttl = 30;
  int packet_size = 60;
  // The network the trace ran on: "builtin (simulated)", "live", ...
  std::string network;
};

// "traceroute to host (a.b.c.d), 30 hops max, 60 byte packets, <network>
// network", traceroute's header line plus the network hoplab ran on.
std::string RenderTextHeader(const TraceHeader& header);

// One hop line without the newline: "%2d " then, per probe, " *" for no
// reply, else the address (when it differs from the last probe of the hop
// that had one), "  %.3f ms", and " <mark>" when there is one. Names come
// from `resolver` as "name (a.b.c.d)", "a.b.c.d (a.b.c.d)" when there is
// none; a null `resolver` prints bare addresses (-n). With
// `show_extensions` (-e), the reply's ICMP extensions follow the address as
// traceroute(8) -e prints them, " <MPLS:L=24001,E=0,S=1,T=1>", objects
// joined by ';', and the address is printed again when they change.
std::string RenderTextHop(const trace::Hop& hop, trace::NameResolver* resolver,
                          bool show_extensions = false);

// The " <...>" text -e adds after a probe's address; empty when the reply
// carried no extension object.
std::string ExtensionsText(const trace::ProbeResult& probe);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_TEXT_RENDERER_H_
