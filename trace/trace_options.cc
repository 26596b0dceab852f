#include "trace/trace_options.h"

#include <string>

namespace hoplab::trace {
namespace {

// Sizes of the headers a probe of each method carries.
constexpr uint16_t kIcmpProbeMinSize = kMinProbeSize;
constexpr uint16_t kUdpProbeMinSize = kMinProbeSize;
constexpr uint16_t kTcpProbeMinSize = 40;

uint16_t MinProbeSize(crafter::ProbeMethod method) {
  switch (method) {
    case crafter::ProbeMethod::kIcmp:
      return kIcmpProbeMinSize;
    case crafter::ProbeMethod::kUdp:
      return kUdpProbeMinSize;
    case crafter::ProbeMethod::kTcp:
      return kTcpProbeMinSize;
  }
  return kTcpProbeMinSize;
}

}  // namespace

std::string ValidateTraceOptions(const TraceOptions& options) {
  if (options.first_ttl < 1) {
    return "first TTL (-f) must be 1..255, got 0";
  }
  if (options.max_ttl < 1) {
    return "max TTL (-m) must be 1..255, got 0";
  }
  if (options.first_ttl > options.max_ttl) {
    return "first TTL (-f) " + std::to_string(options.first_ttl) +
           " exceeds max TTL (-m) " + std::to_string(options.max_ttl);
  }
  if (options.num_queries < 1 || options.num_queries > kMaxNumQueries) {
    return "probes per hop (-q) must be 1..10, got " +
           std::to_string(options.num_queries);
  }
  if (options.max_in_flight < 1) {
    return "probes in flight (-N) must be at least 1, got " +
           std::to_string(options.max_in_flight);
  }
  if (options.wait <= Duration::zero()) {
    return "wait (-w) must be more than 0 seconds";
  }
  const uint16_t min_size = MinProbeSize(options.method);
  if (options.packet_size < min_size || options.packet_size > kMaxProbeSize) {
    return "packet length must be " + std::to_string(min_size) + ".." +
           std::to_string(kMaxProbeSize) + " " +
           "for " + std::string(crafter::ProbeMethodName(options.method)) +
           " probes, got " + std::to_string(options.packet_size);
  }
  if (options.paris && options.method != crafter::ProbeMethod::kTcp &&
      options.packet_size < min_size + 2) {
    return "Paris " + std::string(crafter::ProbeMethodName(options.method)) +
           " probes need a packet length of at least " +
           std::to_string(min_size + 2) + ", got " +
           std::to_string(options.packet_size);
  }
  if (options.wait_here < 0 || options.wait_near < 0) {
    return "wait (-w) HERE and NEAR factors must not be negative";
  }
  if (options.limit_retries < 0 || options.limit_retries > kMaxLimitRetries) {
    return "--limit-retries must be 0.." + std::to_string(kMaxLimitRetries) +
           ", got " + std::to_string(options.limit_retries);
  }
  if (options.send_interval < Duration::zero()) {
    return "send wait (-z) must not be negative";
  }
  if (options.method != crafter::ProbeMethod::kIcmp &&
      (options.source_port == 0 || options.destination_port == 0)) {
    return "ports (-p, --sport) must be 1..65535";
  }
  if (options.destination.IsUnspecified()) {
    return "the destination must not be 0.0.0.0";
  }
  return "";
}

}  // namespace hoplab::trace
