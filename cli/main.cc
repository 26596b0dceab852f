// hoplab: a traceroute and a deterministic test harness for it.

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/replay_command.h"
#include "cli/sim_command.h"
#include "cli/trace_command.h"

namespace {

// Results that did not reach stdout (a full disk, a closed pipe's reader
// gone) are lost results: say so and fail, as --pcap and --dot do, rather
// than exit 0. `status` is the command's own; a failure it reported
// already stands.
int FinishResults(int status) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && std::ferror(stdout) == 0) {
    return status;
  }
  const int error = errno;
  std::fprintf(stderr,
               "hoplab: results could not be written to standard "
               "output%s%s\n",
               error != 0 ? ": " : "", error != 0 ? std::strerror(error) : "");
  return status == 0 ? 1 : status;
}

}  // namespace

// TODO(#6): a start still takes about 0.6 million instructions, three
// times traceroute's whole run: the dynamic loader's work for libc, C++'s
// static set-up (iostream, locale) and CLI11's App. The flags of each
// subcommand are built only when the command line names it
// (AddLazySubcommand).
int main(int argc, char** argv) {
  CLI::App app{
      "hoplab: traceroute over a simulated network, the live network, or a "
      "capture"};
  app.set_version_flag("--version", "hoplab " HOPLAB_VERSION);
  app.require_subcommand(1);

  hoplab::cli::TraceCommandOptions trace_options;
  CLI::App* trace = hoplab::cli::AddTraceCommand(app, trace_options);
  hoplab::cli::SimServeOptions serve_options;
  CLI::App* serve = hoplab::cli::AddSimCommand(app, serve_options);
  hoplab::cli::ReplayCommandOptions replay_options;
  CLI::App* replay = hoplab::cli::AddReplayCommand(app, replay_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 reports usage errors by exception; each becomes one "hoplab:
    // ..." line naming the flag, and exit status 2 (README, Usage).
    if (error.get_exit_code() == 0) {
      return app.exit(error);
    }
    // CLI11's own wording names what it did not expect; the hint says
    // where the right spelling is.
    std::string hint;
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ||
        dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
      hint = " (hoplab COMMAND --help lists the options)";
    }
    std::fprintf(stderr, "hoplab: %s%s\n", error.what(), hint.c_str());
    return 2;
  }
  int status = 2;
  if (trace->parsed()) {
    status = hoplab::cli::RunTraceCommand(trace_options);
  } else if (serve->parsed()) {
    status = hoplab::cli::RunSimServeCommand(serve_options);
  } else if (replay->parsed()) {
    status = hoplab::cli::RunReplayCommand(replay_options);
  }
  return FinishResults(status);
}
