// The Internet checksum beside libtins's and beside a plain sum of 64-bit
// words over the same buffer, which is as fast as reading memory gets.

#include <benchmark/benchmark.h>
#include <tins/utils/checksum_utils.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "crafter/checksum.h"

namespace hoplab {
namespace {

// Sizes: IPv4 header, small probe, 84-byte ping, RFC 1812 error, Ethernet
// MTU, largest datagram.
constexpr int64_t kSizes[] = {20, 64, 84, 576, 1500, 65535};

std::vector<uint8_t> MakeBuffer(size_t size) {
  std::vector<uint8_t> buffer(size);
  for (size_t i = 0; i < size; ++i) {
    buffer[i] = static_cast<uint8_t>(i * 7 + 3);
  }
  return buffer;
}

void SetThroughput(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_ChecksumHoplab(benchmark::State& state) {
  const std::vector<uint8_t> buffer = MakeBuffer(size_t(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(crafter::InternetChecksum(buffer));
  }
  SetThroughput(state);
}

void BM_ChecksumLibtins(benchmark::State& state) {
  const std::vector<uint8_t> buffer = MakeBuffer(size_t(state.range(0)));
  for (auto _ : state) {
    const uint32_t sum =
        Tins::Utils::do_checksum(buffer.data(), buffer.data() + buffer.size());
    benchmark::DoNotOptimize(
        static_cast<uint16_t>(~((sum & 0xffff) + (sum >> 16))));
  }
  SetThroughput(state);
}

// Not a checksum: the cost of reading the buffer as 64-bit words, the
// bound any checksum works against.
void BM_ChecksumPlainWordSum(benchmark::State& state) {
  const std::vector<uint8_t> buffer = MakeBuffer(size_t(state.range(0)));
  for (auto _ : state) {
    uint64_t sum = 0;
    size_t i = 0;
    for (; i + 8 <= buffer.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, buffer.data() + i, sizeof(word));
      sum += word;
    }
    for (; i < buffer.size(); ++i) {
      sum += buffer[i];
    }
    benchmark::DoNotOptimize(sum);
  }
  SetThroughput(state);
}

void Sizes(benchmark::internal::Benchmark* benchmark) {
  for (int64_t size : kSizes) {
    benchmark->Arg(size);
  }
}

BENCHMARK(BM_ChecksumHoplab)->Apply(Sizes);
BENCHMARK(BM_ChecksumLibtins)->Apply(Sizes);
BENCHMARK(BM_ChecksumPlainWordSum)->Apply(Sizes);

}  // namespace
}  // namespace hoplab
