// Whole-number flag values checked before CLI11 converts them, so that a
// word where a number belongs is called not a number, not "out of range".

#ifndef HOPLAB_CLI_NUMBER_CHECK_H_
#define HOPLAB_CLI_NUMBER_CHECK_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace hoplab::cli {

// "" when `text` is a decimal whole number from `min` to `max` (digits
// only: no sign, no spaces, no fraction, no hexadecimal); otherwise one
// message that says what was expected and quotes what was given.
std::string WholeNumberProblem(const std::string& text, uint64_t min,
                               uint64_t max);

// A CLI11 check for WholeNumberProblem, shown in --help as
// "INT in [min - max]".
CLI::Validator WholeNumberIn(uint64_t min, uint64_t max);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_NUMBER_CHECK_H_
