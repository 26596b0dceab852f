#include "tests/integration/chain_lab_test.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "tests/integration/subprocess.h"

namespace hoplab::integration {

std::string* ChainLabTest::unavailable_ = nullptr;
std::string* ChainLabTest::setup_error_ = nullptr;
std::string* ChainLabTest::hoplab_ = nullptr;
std::string* ChainLabTest::prefix_ = nullptr;
LabGuard* ChainLabTest::guard_ = nullptr;

void ChainLabTest::SetUpChain(const std::string& stem,
                              const std::string& unavailable) {
  unavailable_ = new std::string(unavailable);
  setup_error_ = new std::string();
  if (!unavailable_->empty()) {
    return;
  }
  const char* binary = std::getenv("HOPLAB_BINARY");
  if (binary == nullptr || !std::filesystem::exists(binary)) {
    *setup_error_ =
        "HOPLAB_BINARY does not name the built hoplab (run through ctest)";
    return;
  }
  hoplab_ = new std::string(binary);

  // One prefix per test process, so parallel runs never share a lab.
  prefix_ = new std::string(stem + std::to_string(getpid()));
  guard_ = new LabGuard(*prefix_);
  std::vector<std::string> up = {
      "timeout", kCommandTimeoutSeconds,          kChainScript, "up",
      *prefix_,  std::to_string(kChainNumRouters)};
  CommandResult result = RunCommand(up);
  if (result.exit_code != 0) {
    *setup_error_ = "lab set-up failed: " + result.Describe(up);
  }
}

void ChainLabTest::TearDownChain() {
  if (prefix_ != nullptr) {
    std::vector<std::string> down = {"timeout", kCommandTimeoutSeconds,
                                     kChainScript, "down", *prefix_};
    CommandResult result = RunCommand(down);
    EXPECT_EQ(result.exit_code, 0) << result.Describe(down);
  }
  delete guard_;
  delete prefix_;
  delete hoplab_;
  delete setup_error_;
  delete unavailable_;
  guard_ = nullptr;
  prefix_ = hoplab_ = setup_error_ = unavailable_ = nullptr;
}

void ChainLabTest::SetUp() {
  HOPLAB_SKIP_OR_FAIL_IF_UNAVAILABLE(*unavailable_);
  ASSERT_TRUE(setup_error_->empty()) << *setup_error_;
}

void SilentHopThreeChainTest::SetUp() {
  ChainLabTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) {
    return;
  }
  RunChainCase("silence", {"3"});
}

std::vector<std::string> ChainLabTest::InNode(const std::string& node,
                                              std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", *prefix_ + "-" + node});
  return argv;
}

void ChainLabTest::RunChainCase(const std::string& command,
                                const std::vector<std::string>& args) {
  std::vector<std::string> argv = Concat(
      {{"timeout", kCommandTimeoutSeconds, kChainScript, command, *prefix_},
       args});
  CommandResult result = RunCommand(argv);
  ASSERT_EQ(result.exit_code, 0) << result.Describe(argv);
}

}  // namespace hoplab::integration
