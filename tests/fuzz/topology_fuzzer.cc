// libFuzzer target: the topology loader, which reads files people write.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/topology_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topology = hoplab::sim::ParseTopology(text, "fuzz.yaml");
  (void)topology.ok();
  return 0;
}
