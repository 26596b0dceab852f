// Subcommands whose options exist only once the command line names them.

#ifndef HOPLAB_CLI_LAZY_SUBCOMMAND_H_
#define HOPLAB_CLI_LAZY_SUBCOMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace hoplab::cli {

// Adds subcommand `name` to `app` with `description`, and defers
// `add_options` (which adds its options, flags and checks) until a parse
// meets the name: CLI11 calls it before the subcommand reads its first
// argument, so parsing, errors and `--help` are as if it had run here,
// while a process that runs another subcommand (or only --version) never
// builds these options. Its options then follow ApplyFlagConventions.
// `add_options` runs at most once per subcommand,
// however many times `app` parses. Returns the subcommand, owned by `app`.
CLI::App* AddLazySubcommand(CLI::App& app, std::string name,
                            std::string description,
                            std::function<void(CLI::App&)> add_options);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_LAZY_SUBCOMMAND_H_
