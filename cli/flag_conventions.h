// What every hoplab subcommand's flags have in common, whoever adds them.

#ifndef HOPLAB_CLI_FLAG_CONVENTIONS_H_
#define HOPLAB_CLI_FLAG_CONVENTIONS_H_

#include <CLI/CLI.hpp>

namespace hoplab::cli {

// Gives the options `command` has now the conventions of traceroute(8)'s
// getopt: an option given twice takes its last value (`-m 3 -m 5` is
// -m 5), and a flag takes no value (`--json=0` is an error, not a way to
// turn JSON off). Options that collect every value (repeatable ones) and
// counting flags (-v -v) keep their meaning.
void ApplyFlagConventions(CLI::App& command);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_FLAG_CONVENTIONS_H_
