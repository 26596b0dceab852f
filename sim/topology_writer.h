// Writing a Topology as a topology file (README, "Topology files"), the
// inverse of the loader: what `hoplab replay --topology` writes.

#ifndef HOPLAB_SIM_TOPOLOGY_WRITER_H_
#define HOPLAB_SIM_TOPOLOGY_WRITER_H_

#include <string>
#include <string_view>

#include "sim/topology.h"

namespace hoplab::sim {

// `topology` as YAML that ParseTopology reads back into an equal topology:
// every field the format holds, keys at their defaults left out. Each line
// of `comment` opens the file as a `#` comment. Durations are written to
// the nanosecond, probabilities as the shortest text that reads back to
// the same double. A router profile's quote size must be one the format
// names (RFC 1812's 576 bytes or RFC 792's header and 8 bytes), as every
// loaded topology's is; any other is written as RFC 1812's.
std::string SerializeTopology(const Topology& topology,
                              std::string_view comment = {});

// A duration as the loader reads it: "0", "250us", "1.5ms", "17ns".
std::string FormatDuration(trace::Duration duration);

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TOPOLOGY_WRITER_H_
