#include "cli/lazy_subcommand.h"

#include <utility>

#include "cli/flag_conventions.h"

namespace hoplab::cli {

CLI::App* AddLazySubcommand(CLI::App& app, std::string name,
                            std::string description,
                            std::function<void(CLI::App&)> add_options) {
  CLI::App* command =
      app.add_subcommand(std::move(name), std::move(description));
  command->preparse_callback(
      [command, add = std::move(add_options), added = false](size_t) mutable {
        if (!added) {
          added = true;
          add(*command);
          ApplyFlagConventions(*command);
        }
      });
  return command;
}

}  // namespace hoplab::cli
