// Reading a capture and rebuilding its traces, per packet, beside libtins's
// FileSniffer reading and dissecting the same file. The capture
// (bench/synthetic_capture.h) is written once, before any timed loop.

#include <benchmark/benchmark.h>
#include <tins/tins.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "bench/synthetic_capture.h"
#include "replay/capture_reader.h"
#include "replay/link_layer.h"
#include "replay/trace_rebuilder.h"

namespace hoplab {
namespace {

// 900 Time Exceeded (10 traces of 30 hops, 3 probes each) and their
// probes: 1800 records, large enough that opening the file is a small
// share of a run.
constexpr uint64_t kNumTimeExceeded = 900;
constexpr uint64_t kNumRecords = 2 * kNumTimeExceeded;
constexpr size_t kNumTraces = 10;

// The capture, in the temporary directory for the life of the process.
class CaptureFile {
 public:
  CaptureFile()
      : path_((std::filesystem::temp_directory_path() /
               ("hoplab_replay_bench_" + std::to_string(::getpid()) + ".pcap"))
                  .string()) {
    bench::SyntheticCaptureSpec spec;
    spec.num_time_exceeded = kNumTimeExceeded;
    status_ = bench::WriteSyntheticCapture(spec, path_);
  }
  ~CaptureFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  const std::string& path() const { return path_; }
  const Status& status() const { return status_; }
  uint64_t size() const { return std::filesystem::file_size(path_); }

 private:
  std::string path_;
  Status status_;
};

const CaptureFile& Capture() {
  static const CaptureFile file;
  return file;
}

void SetThroughput(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * int64_t(kNumRecords));
  state.SetBytesProcessed(state.iterations() * int64_t(Capture().size()));
}

// What hoplab replay does with the file: every record read, its link
// layer removed, parsed as probe or reply, matched, and the traces built.
// The number of traces found, 0 on any failure.
size_t ReplayOnce(const std::string& path) {
  auto reader = replay::CaptureReader::Open(path);
  if (!reader.ok()) {
    return 0;
  }
  replay::TraceRebuilder rebuilder;
  const replay::LinkOptions link_options;
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok()) {
      return 0;
    }
    if (!next->has_value()) {
      break;
    }
    auto payload = replay::StripLinkLayer((*next)->link_type, (*next)->bytes,
                                          link_options);
    if (payload.ok() && payload->kind == replay::LinkPayloadKind::kIpv4) {
      rebuilder.Add((*next)->at, payload->datagram);
    }
  }
  return rebuilder.Rebuild().size();
}

void BM_ReplayRebuildHoplab(benchmark::State& state) {
  if (!Capture().status().ok()) {
    state.SkipWithError(Capture().status().message().c_str());
    return;
  }
  if (ReplayOnce(Capture().path()) != kNumTraces) {
    state.SkipWithError("the capture did not rebuild into its traces");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(ReplayOnce(Capture().path()));
  }
  SetThroughput(state);
}

BENCHMARK(BM_ReplayRebuildHoplab);

// libtins reads each record and dissects it into IP, ICMP and the quoted
// bytes; it has no matcher, so counting the Time Exceeded is where it
// stops.
size_t DissectOnce(const std::string& path) {
  Tins::FileSniffer sniffer(path);
  size_t num_time_exceeded = 0;
  sniffer.sniff_loop([&](Tins::PDU& pdu) {
    const Tins::ICMP* icmp = pdu.find_pdu<Tins::ICMP>();
    if (icmp != nullptr && icmp->type() == Tins::ICMP::TIME_EXCEEDED) {
      ++num_time_exceeded;
    }
    return true;
  });
  return num_time_exceeded;
}

void BM_ReplayRebuildLibtinsFileSniffer(benchmark::State& state) {
  if (!Capture().status().ok()) {
    state.SkipWithError(Capture().status().message().c_str());
    return;
  }
  if (DissectOnce(Capture().path()) != kNumTimeExceeded) {
    state.SkipWithError("libtins did not find every Time Exceeded");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(DissectOnce(Capture().path()));
  }
  SetThroughput(state);
}

BENCHMARK(BM_ReplayRebuildLibtinsFileSniffer);

}  // namespace
}  // namespace hoplab
