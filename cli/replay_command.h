// `hoplab replay`: the traces a capture file holds, printed as `hoplab
// trace` prints a trace.

#ifndef HOPLAB_CLI_REPLAY_COMMAND_H_
#define HOPLAB_CLI_REPLAY_COMMAND_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hoplab::cli {

struct ReplayCommandOptions {
  std::string path;
  bool numeric = false;
  bool json = false;
  int verbosity = 0;
  // --tag-type: EtherTypes read as VLAN tags besides 0x8100, 0x88a8 and
  // 0x9100, as typed ("0x8200").
  std::vector<std::string> tag_types;
  // --trace N: only the Nth trace (from 1), printed and written.
  std::optional<int> trace_number;
  // --topology FILE: write a topology file reproducing the trace.
  std::string topology_path;
};

// Adds the `replay` subcommand to `app`; its flags, filling `options`, come
// when a parse meets it (AddLazySubcommand).
CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options);

// Reads the capture, prints each trace found (or the --trace one) on
// stdout (text: a header line naming the capture, then the hop lines;
// --json: one object {"traces": [...]}), and on stderr every bad record
// (file, record number, offset, what is wrong) and the counts of what was
// skipped. With --topology, also writes the topology file that reproduces
// the trace (replay::BuildCaptureTopology) and says on stderr how to
// re-run it and, one line each, what the topology does not reproduce.
// Returns 0 when the whole file was read (and the topology written), 1
// when it could not be opened, its framing broke part-way (the traces
// before the break are still printed), or the topology has no trace or
// cannot be written, 2 on a usage error (also --trace out of range, or
// --topology without --trace on a capture of several traces).
int RunReplayCommand(const ReplayCommandOptions& options);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_REPLAY_COMMAND_H_
