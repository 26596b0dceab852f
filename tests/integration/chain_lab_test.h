// ChainLabTest: the fixture of suites that run on the chain of real Linux
// routers of scripts/lab/chain.sh, one chain per test process.

#ifndef HOPLAB_TESTS_INTEGRATION_CHAIN_LAB_TEST_H_
#define HOPLAB_TESTS_INTEGRATION_CHAIN_LAB_TEST_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/lab_support.h"

namespace hoplab::integration {

// The chain's routers and its script.
inline constexpr int kChainNumRouters = 5;
inline constexpr char kChainScript[] = "scripts/lab/chain.sh";
// Upper bound on any one command the suites run.
inline constexpr char kCommandTimeoutSeconds[] = "60";

class ChainLabTest : public testing::Test {
 protected:
  // From a suite's SetUpTestSuite: unless `unavailable` (why this machine
  // cannot run the suite) says otherwise, finds hoplab through
  // HOPLAB_BINARY and brings up a chain named `stem` + this process id,
  // guarded by a LabGuard. Failures are kept for SetUp to report.
  static void SetUpChain(const std::string& stem,
                         const std::string& unavailable);
  // From a suite's TearDownTestSuite: removes the chain.
  static void TearDownChain();

  // Skips or fails (CI=true) on an unavailable machine; fails when the
  // chain did not come up.
  void SetUp() override;

  // `argv` run in namespace PREFIX-`node` ("src", "r3", "dst"). ip netns
  // exec replaces itself with the program, so the process a caller starts
  // is the program, and a signal sent to it reaches the program.
  static std::vector<std::string> InNode(const std::string& node,
                                         std::vector<std::string> argv);

  // Runs chain.sh `command` `args...` on this suite's chain (a case such
  // as {"silence", "3"}) and expects it to succeed.
  static void RunChainCase(const std::string& command,
                           const std::vector<std::string>& args);

  static std::string* unavailable_;
  static std::string* setup_error_;
  static std::string* hoplab_;
  static std::string* prefix_;
  static LabGuard* guard_;
};

// A ChainLabTest whose router 3 is silenced before every test, so that a
// trace answered at hops 1 and 2 then waits at hop 3: the moment the
// signal and privilege tests act in. Suites still name their own chain
// in SetUpTestSuite.
class SilentHopThreeChainTest : public ChainLabTest {
 protected:
  void SetUp() override;
};

}  // namespace hoplab::integration

#endif  // HOPLAB_TESTS_INTEGRATION_CHAIN_LAB_TEST_H_
