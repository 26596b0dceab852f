#include "sim/tun_server.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <string>
#include <utility>

namespace hoplab::sim {
namespace {

Error SystemError(const std::string& call) {
  return Error{"serving the simulated network: " + call + ": " +
               std::strerror(errno)};
}

// ppoll's timeout until wall time `until` (zero when it has come).
timespec TimeoutUntil(WallTime until) {
  const auto left = until - std::chrono::steady_clock::now();
  if (left <= WallTime::duration::zero()) {
    return timespec{0, 0};
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left);
  return timespec{static_cast<time_t>(ns.count() / 1'000'000'000),
                  static_cast<long>(ns.count() % 1'000'000'000)};
}

}  // namespace

Status TunServer::Run(int stop_fd) {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  while (true) {
    // Step 1: sleep until a datagram comes, the next reply is due, or the
    // stop descriptor is readable.
    timespec timeout{};
    if (!pending_.empty()) {
      timeout = TimeoutUntil(clock_.ToWall(pending_.Top().at));
    }
    const int ready =
        ppoll(fds, 2, pending_.empty() ? nullptr : &timeout, nullptr);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      return SystemError("ppoll");
    }
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      return Status::Ok();
    }

    // Step 2: take in what came, then send out what is due.
    if ((fds[0].revents & POLLIN) != 0) {
      if (Status read = ReadAll(); !read.ok()) {
        return read;
      }
    }
    WriteDue();
  }
}

Status TunServer::ReadAll() {
  while (true) {
    const ssize_t size = read(fd_, buffer_.data(), buffer_.size());
    if (size < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Status::Ok();
      }
      if (errno == EINTR) {
        continue;
      }
      return SystemError("read");
    }
    ++counters_.num_received;
    const trace::TimePoint now =
        clock_.ToVirtual(std::chrono::steady_clock::now());
    scratch_.clear();
    network_.Send(
        std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(size)),
        now, scratch_);
    for (Delivery& delivery : scratch_) {
      pending_.Push(std::move(delivery));
    }
  }
}

void TunServer::WriteDue() {
  const trace::TimePoint now =
      clock_.ToVirtual(std::chrono::steady_clock::now());
  while (!pending_.empty() && pending_.Top().at <= now) {
    const Delivery delivery = pending_.Pop();
    if (write(fd_, delivery.bytes.data(), delivery.bytes.size()) < 0) {
      ++counters_.num_write_errors;
    } else {
      ++counters_.num_replies_written;
    }
  }
}

}  // namespace hoplab::sim
