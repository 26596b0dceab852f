// Running other programs from integration tests: hoplab, traceroute,
// tcpdump, the lab scripts. Output is captured, never inherited, so a
// test's own stdout stays clean.

#ifndef HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_
#define HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_

#include <signal.h>
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
  // Starts `argv` with stdin on /dev/null, stderr captured, and stdout
  // captured too when `capture_stdout` (else on /dev/null). Fails when fork
  // or pipe fail; a program that cannot be executed exits 127 with a
  // message on its stderr.
  static Result<std::unique_ptr<BackgroundCommand>> Start(
      const std::vector<std::string>& argv, bool capture_stdout = false);

  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;
  // Stops the program if it still runs.
  ~BackgroundCommand();

  // Reads stderr until it contains `text` (true), or until the program
  // closes stderr or `timeout` passes (false).
  bool WaitForStderr(std::string_view text, std::chrono::milliseconds timeout);

  // The same for stdout, when it is captured.
  bool WaitForStdout(std::string_view text, std::chrono::milliseconds timeout);

  // Sends `signal` to the started process (only it, by its id), collects
  // the rest of its output, and returns its exit code as RunCommand does.
  // One still running after a grace period is killed.
  int Stop(int signal = SIGTERM);

  // Collects the output until the program exits by itself and returns its
  // exit code; one still running after `timeout` is killed (SIGKILL).
  int Wait(std::chrono::milliseconds timeout);

  // The started process's id; -1 once it has been stopped.
  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  BackgroundCommand(pid_t pid, int out_fd, int err_fd)
      : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}

  // Appends what stdout and stderr have within `timeout`; false once both
  // reached end of file, or when nothing came.
  bool ReadOutput(std::chrono::milliseconds timeout);
  bool WaitFor(const std::string& stream, std::string_view text,
               std::chrono::milliseconds timeout);

  pid_t pid_;
  int out_fd_;
  int err_fd_;
  std::string out_;
  std::string err_;
  int exit_code_ = -1;
};

}  // namespace hoplab::integration

#endif  // HOPLAB_TESTS_INTEGRATION_SUBPROCESS_H_
