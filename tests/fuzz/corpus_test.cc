// Runs one fuzz target's entry point over its seed corpus and its
// regressions (inputs that once made it fail), in the ordinary test build:
// a finding fixed stays fixed without libFuzzer. The target's name comes
// from HOPLAB_FUZZ_TARGET; inputs are in tests/fuzz/{corpus,regressions}/
// <target>/, read from the repository root.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> Inputs(const std::string& kind) {
  std::vector<std::filesystem::path> paths;
  const std::filesystem::path dir =
      std::filesystem::path("tests/fuzz") / kind / HOPLAB_FUZZ_TARGET;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      paths.push_back(entry.path());
    }
  }
  return paths;
}

void RunAll(const std::vector<std::filesystem::path>& paths) {
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    // Copied to the heap at its exact size, so ASan sees any overread.
    std::vector<uint8_t> exact(bytes);
    EXPECT_EQ(LLVMFuzzerTestOneInput(exact.data(), exact.size()), 0);
  }
}

TEST(FuzzCorpusTest, EverySeedRunsCleanly) {
  const auto seeds = Inputs("corpus");
  ASSERT_FALSE(seeds.empty()) << "no seeds for " << HOPLAB_FUZZ_TARGET;
  RunAll(seeds);
}

TEST(FuzzCorpusTest, EveryRegressionRunsCleanly) {
  RunAll(Inputs("regressions"));
}

}  // namespace
