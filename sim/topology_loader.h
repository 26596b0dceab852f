// Loading a Topology from a YAML topology file (README, "Topology files").

#ifndef HOPLAB_SIM_TOPOLOGY_LOADER_H_
#define HOPLAB_SIM_TOPOLOGY_LOADER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crafter/result.h"
#include "sim/topology.h"

namespace hoplab::sim {

// Parses `text`, a topology in YAML, naming it `file` in errors (and, when
// the text has no `name`, after `file` without directory and suffix).
// Fails with one line that names the file, the line and the key, what was
// expected and what was found:
//
//   topology x.yaml, line 12, key routers[2].latency: expected a duration
//   like 3ms, got 'fast'
//
// Unknown keys, unknown router ids, routes over nodes no link joins and
// repeated ids or addresses are errors.
Result<Topology> ParseTopology(std::string_view text, const std::string& file);

// The largest topology file LoadTopologyFile reads: 4 MiB, a thousand
// times the largest in sim/topologies/.
inline constexpr uint64_t kMaxTopologyFileSize = uint64_t{4} << 20;

// Reads the file at `path` (a regular file, a FIFO or standard input as
// /dev/stdin) and parses it as ParseTopology does. Fails also, naming the
// file and why, when it cannot be read (with strerror), is a directory or
// a device, or holds more than kMaxTopologyFileSize bytes.
Result<Topology> LoadTopologyFile(const std::string& path);

}  // namespace hoplab::sim

#endif  // HOPLAB_SIM_TOPOLOGY_LOADER_H_
