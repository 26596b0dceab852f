// Running other programs from integration tests: hoplab, traceroute,
// tcpdump, the lab scripts. Output is captured, never inherited, so a
// test's own stdout stays clean.

#ifndef HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_
#define HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crafter/result.h"

namespace hoplab::integration {

struct CommandResult {
  // The exit status, or 128 + the signal that ended the program (as a
  // shell reports it); 127 when it could not be started.
  int exit_code = -1;
  std::string out;
  std::string err;

  // "`ip netns exec ...` exited 1; stderr: ...", for failure messages.
  std::string Describe(const std::vector<std::string>& argv) const;
};

// Runs `argv` (argv[0] searched in PATH) with stdin from /dev/null and
// stdout and stderr captured separately, and waits until it exits. The
// caller bounds its run time (for example with timeout(1) in `argv`).
CommandResult RunCommand(const std::vector<std::string>& argv);

// A program left running while the test does something else (tcpdump).
class BackgroundCommand {
 public:
  // Starts `argv` with stdin and stdout on /dev/null and stderr captured.
  // Fails when fork or pipe fail; a program that cannot be executed exits
  // 127 with a message on its stderr.
  static Result<std::unique_ptr<BackgroundCommand>> Start(
      const std::vector<std::string>& argv);

  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;
  // Stops the program if it still runs.
  ~BackgroundCommand();

  // Reads stderr until it contains `text` (true), or until the program
  // closes stderr or `timeout` passes (false).
  bool WaitForStderr(std::string_view text, std::chrono::milliseconds timeout);

  // Sends SIGTERM to the started process (only it, by its id), collects
  // the rest of its stderr, and returns its exit code as RunCommand does.
  int Stop();

  const std::string& err() const { return err_; }

 private:
  BackgroundCommand(pid_t pid, int err_fd) : pid_(pid), err_fd_(err_fd) {}

  // Appends what stderr has within `timeout`; false at end of file or
  // when nothing came.
  bool ReadStderr(std::chrono::milliseconds timeout);

  pid_t pid_;
  int err_fd_;
  std::string err_;
  int exit_code_ = -1;
};

}  // namespace hoplab::integration

#endif  // HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_
