// make_capture: writes the synthetic capture bench/compare.sh replays.
//
//   make_capture [-n NUM_TIME_EXCEEDED] OUTPUT.pcap
//
// The file holds NUM_TIME_EXCEEDED (default 1000000) Time Exceeded replies
// and their ICMP probes, in traces of 30 hops of 3 probes
// (bench/synthetic_capture.h).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bench/synthetic_capture.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: make_capture [-n NUM_TIME_EXCEEDED] OUTPUT.pcap\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  hoplab::bench::SyntheticCaptureSpec spec;
  spec.num_time_exceeded = 1000000;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-n" && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long long value = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || value == 0) {
        std::fprintf(stderr, "make_capture: -n %s: expected a positive count\n",
                     argv[i]);
        return 2;
      }
      spec.num_time_exceeded = value;
    } else if (path.empty() && !arg.empty() && arg[0] != '-') {
      path = arg;
    } else {
      return Usage();
    }
  }
  if (path.empty()) {
    return Usage();
  }
  if (hoplab::Status status = hoplab::bench::WriteSyntheticCapture(spec, path);
      !status.ok()) {
    std::fprintf(stderr, "make_capture: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
