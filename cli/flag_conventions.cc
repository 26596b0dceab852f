#include "cli/flag_conventions.h"

namespace hoplab::cli {

void ApplyFlagConventions(CLI::App& command) {
  for (CLI::Option* option : command.get_options()) {
    if (option->get_expected_max() == 0) {
      option->disable_flag_override();
    } else if (option->get_expected_max() == 1 && !option->get_positional()) {
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
}

}  // namespace hoplab::cli
