// LimitPrivileges, RaiseRawSocketPrivilege and DropAllPrivileges, each run
// in a child process so that the test process keeps what it has. As root
// (CI) they show every step; as an ordinary user that nothing is there to
// drop and nothing fails.

#include "trace/privilege.h"

#include <gtest/gtest.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace hoplab::trace {
namespace {

// Runs `body` in a child; its exit status is the number of the first
// check that failed, 0 when all held.
int InChild(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    _exit(body());
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

bool Holds(cap_value_t cap, cap_flag_t set) {
  cap_t caps = cap_get_proc();
  cap_flag_value_t value = CAP_CLEAR;
  const bool ok = caps != nullptr && cap_get_flag(caps, cap, set, &value) == 0;
  cap_free(caps);
  return ok && value == CAP_SET;
}

// Whether any capability is in any set.
bool HoldsAny() {
  cap_t caps = cap_get_proc();
  cap_t none = cap_init();
  const bool any = cap_compare(caps, none) != 0;
  cap_free(caps);
  cap_free(none);
  return any;
}

bool IsRoot() { return geteuid() == 0 && Holds(CAP_NET_RAW, CAP_PERMITTED); }

TEST(PrivilegeTest, RawSocketsKeepOnlyNetRawPermittedUntilDropped) {
  const bool root = IsRoot();
  EXPECT_EQ(InChild([&] {
              if (!LimitPrivileges(PrivilegeNeed::kRawSockets).ok()) {
                return 1;
              }
              // Permitted: CAP_NET_RAW alone (as root); effective: nothing.
              if (Holds(CAP_NET_RAW, CAP_PERMITTED) != root ||
                  Holds(CAP_NET_ADMIN, CAP_PERMITTED) ||
                  Holds(CAP_NET_RAW, CAP_EFFECTIVE)) {
                return 2;
              }
              if (prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1) {
                return 3;
              }
              if (root && cap_get_bound(CAP_NET_RAW) != 0) {
                return 4;
              }
              if (!RaiseRawSocketPrivilege().ok() ||
                  Holds(CAP_NET_RAW, CAP_EFFECTIVE) != root) {
                return 5;
              }
              if (!DropAllPrivileges().ok() || HoldsAny()) {
                return 6;
              }
              return 0;
            }),
            0);
}

TEST(PrivilegeTest, NoNeedKeepsNothingFromTheStart) {
  EXPECT_EQ(InChild([] {
              if (!LimitPrivileges(PrivilegeNeed::kNone).ok()) {
                return 1;
              }
              if (HoldsAny()) {
                return 2;
              }
              // Nothing to raise: still nothing, and no failure.
              if (!RaiseRawSocketPrivilege().ok() || HoldsAny()) {
                return 3;
              }
              return 0;
            }),
            0);
}

TEST(PrivilegeTest, DescribesWhatIsHeldWithTheIds) {
  EXPECT_EQ(InChild([] {
              if (!DropAllPrivileges().ok()) {
                return 1;
              }
              const std::string expected = "no capabilities, uid " +
                                           std::to_string(geteuid()) +
                                           ", gid " + std::to_string(getegid());
              return DescribePrivileges() == expected ? 0 : 2;
            }),
            0);
}

TEST(PrivilegeTest, NotSetIdWhenRealAndEffectiveIdsAgree) {
  // The test runs as whoever started it, never set-user-ID.
  EXPECT_FALSE(RunsSetId());
}

}  // namespace
}  // namespace hoplab::trace
