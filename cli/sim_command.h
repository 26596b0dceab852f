// `hoplab sim serve`: a simulated network served over a TUN device inside
// a network namespace, so that live traces (hoplab trace --live, Linux
// traceroute) run their real socket paths against the simulator.

#ifndef HOPLAB_CLI_SIM_COMMAND_H_
#define HOPLAB_CLI_SIM_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace hoplab::cli {

struct SimServeOptions {
  // "builtin", or the path of a topology file.
  std::string network = "builtin";
  // --netns NAME: create the namespace NAME and serve in it. Empty with
  // --current-netns: serve in the namespace hoplab runs in.
  std::string netns;
  bool current_netns = false;
  std::string device = "hoplab0";
  // The tracing host's address on the device, ADDR/PREFIX; empty: the
  // network's own host address (192.0.2.100/24 for builtin, the
  // topology's host/32 for a file).
  std::string address;
  // Wall seconds per simulated second.
  double time_scale = 1.0;
  // Unset: the topology's seed for a file, else 1.
  std::optional<uint64_t> seed;
  int verbosity = 0;
};

// Adds the `sim` command with its `serve` subcommand to `app`; the flags
// of `serve`, filling `options`, come when a parse meets it
// (AddLazySubcommand). Returns the `serve` subcommand.
CLI::App* AddSimCommand(CLI::App& app, SimServeOptions& options);

// Sets up the namespace, device, addresses and routes, serves until
// SIGINT, SIGTERM or SIGHUP, and removes what it set up. Diagnostics go
// to stderr: one line when serving starts, one line saying why it cannot.
// Returns the exit status: 0 after a signal, 1 when serving could not
// start or failed, 2 for options that do not fit together.
int RunSimServeCommand(const SimServeOptions& options);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_SIM_COMMAND_H_
