#include "tests/integration/subprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace hoplab::integration {
namespace {

constexpr int kCouldNotExecute = 127;
// How long Stop waits after SIGTERM before it sends SIGKILL.
constexpr std::chrono::seconds kStopGracePeriod(5);

// Forks and executes `argv` with stdin from /dev/null and stdout and
// stderr on `out_fd` and `err_fd`. Returns the child's id, or -1.
pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid != 0) {
    return pid;
  }
  int null_fd = open("/dev/null", O_RDWR);
  dup2(null_fd, STDIN_FILENO);
  dup2(out_fd < 0 ? null_fd : out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  execvp(args[0], args.data());
  std::string message =
      "cannot execute " + argv[0] + ": " + std::strerror(errno) + "\n";
  ssize_t ignored = write(STDERR_FILENO, message.data(), message.size());
  static_cast<void>(ignored);
  _exit(kCouldNotExecute);
}

int WaitForExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

// Appends what `fd` has to `out`; false once it reached end of file.
bool ReadAvailable(int fd, std::string& out) {
  char chunk[4096];
  ssize_t size = read(fd, chunk, sizeof(chunk));
  if (size > 0) {
    out.append(chunk, static_cast<size_t>(size));
    return true;
  }
  return size < 0 && (errno == EINTR || errno == EAGAIN);
}

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string joined;
  for (const std::string& arg : argv) {
    joined += (joined.empty() ? "" : " ") + arg;
  }
  return joined;
}

}  // namespace

std::string CommandResult::Describe(
    const std::vector<std::string>& argv) const {
  return "`" + JoinArgv(argv) + "` exited " + std::to_string(exit_code) +
         "; stderr: " + err + "; stdout: " + out;
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.err = "pipe2 failed";
    return result;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    result.err = "pipe2 failed";
    return result;
  }
  pid_t pid = Spawn(argv, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);

  // Read both pipes until both end, so neither fills up and blocks.
  pollfd polled[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    if (poll(polled, 2, -1) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (polled[i].fd >= 0 && polled[i].revents != 0 &&
          !ReadAvailable(polled[i].fd, *sinks[i])) {
        close(polled[i].fd);
        polled[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (pollfd& p : polled) {
    if (p.fd >= 0) {
      close(p.fd);
    }
  }
  result.exit_code = pid < 0 ? kCouldNotExecute : WaitForExit(pid);
  return result;
}

Result<std::unique_ptr<BackgroundCommand>> BackgroundCommand::Start(
    const std::vector<std::string>& argv, bool capture_stdout) {
  int err_pipe[2];
  int out_pipe[2] = {-1, -1};
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Error{"pipe2 for `" + JoinArgv(argv) + "`: " + std::strerror(errno)};
  }
  if (capture_stdout && pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(err_pipe[0]);
    close(err_pipe[1]);
    return Error{"pipe2 for `" + JoinArgv(argv) + "`: " + std::strerror(errno)};
  }
  pid_t pid = Spawn(argv, out_pipe[1], err_pipe[1]);
  close(err_pipe[1]);
  if (out_pipe[1] >= 0) {
    close(out_pipe[1]);
  }
  if (pid < 0) {
    close(err_pipe[0]);
    if (out_pipe[0] >= 0) {
      close(out_pipe[0]);
    }
    return Error{"fork for `" + JoinArgv(argv) + "` failed"};
  }
  return std::unique_ptr<BackgroundCommand>(
      new BackgroundCommand(pid, out_pipe[0], err_pipe[0]));
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0) {
    Stop();
  }
  for (int fd : {out_fd_, err_fd_}) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

bool BackgroundCommand::ReadOutput(std::chrono::milliseconds timeout) {
  pollfd polled[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  std::string* sinks[2] = {&out_, &err_};
  int* fds[2] = {&out_fd_, &err_fd_};
  if (out_fd_ < 0 && err_fd_ < 0) {
    return false;
  }
  int ready = poll(polled, 2, static_cast<int>(timeout.count()));
  if (ready < 0) {
    return errno == EINTR;
  }
  bool got = false;
  for (int i = 0; i < 2; ++i) {
    if (polled[i].fd < 0 || polled[i].revents == 0) {
      continue;
    }
    if (ReadAvailable(polled[i].fd, *sinks[i])) {
      got = true;
    } else {
      close(*fds[i]);
      *fds[i] = -1;
      got = got || out_fd_ >= 0 || err_fd_ >= 0;
    }
  }
  return got;
}

bool BackgroundCommand::WaitFor(const std::string& stream,
                                std::string_view text,
                                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (stream.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds::zero() || !ReadOutput(left)) {
      return false;
    }
  }
  return true;
}

bool BackgroundCommand::WaitForStderr(std::string_view text,
                                      std::chrono::milliseconds timeout) {
  return WaitFor(err_, text, timeout);
}

bool BackgroundCommand::WaitForStdout(std::string_view text,
                                      std::chrono::milliseconds timeout) {
  return WaitFor(out_, text, timeout);
}

int BackgroundCommand::Stop(int signal) {
  if (pid_ > 0) {
    kill(pid_, signal);
  }
  return Wait(kStopGracePeriod);
}

int BackgroundCommand::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) {
    return exit_code_;
  }
  // The program closes its output as it exits.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
  };
  while (left() > std::chrono::milliseconds::zero() && ReadOutput(left())) {
  }
  if (left() <= std::chrono::milliseconds::zero()) {
    kill(pid_, SIGKILL);
  }
  exit_code_ = WaitForExit(std::exchange(pid_, -1));
  return exit_code_;
}

}  // namespace hoplab::integration
