// The marks Linux traceroute prints after an RTT: "!H", "!N", "!X", ...

#ifndef HOPLAB_TRACE_ANNOTATION_H_
#define HOPLAB_TRACE_ANNOTATION_H_

#include <string>

#include "trace/hop.h"

namespace hoplab::trace {

// The mark for an answered probe, empty when there is none (Time Exceeded,
// Echo Reply, Port Unreachable, TCP replies). For Destination Unreachable,
// as traceroute(8) prints them: !N network (codes 0, 6, 8, 11), !H host
// (1, 7, 12), !P protocol (2), !F-<mtu> fragmentation needed (4, RFC 1191),
// !S source route failed (5), !X administratively prohibited (9, 10, 13),
// !V host precedence violation (14), !C precedence cutoff (15), and
// !<code> for any other code.
std::string Annotation(const ProbeResult& probe);

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_ANNOTATION_H_
