#include "trace/trace_options.h"

#include <algorithm>
#include <string>

#include "trace/probe_identity.h"

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

size_t MaxProbesPerTrace(const TraceOptions& options) {
  const size_t num_hops = options.first_ttl > options.max_ttl
                              ? 0
                              : size_t{options.max_ttl} - options.first_ttl + 1;
  return num_hops * size_t(std::max(options.num_queries, 0) +
                           std::max(options.limit_retries, 0));
}

size_t NumDistinctNeeded(const TraceOptions& options, int num_cycles) {
  return MaxProbesPerTrace(options) * (num_cycles > 1 ? 2 : 1);
}

std::string CheckPortRoom(const TraceOptions& options, int num_cycles) {
  // The fields of ICMP and Paris probes hold at least 61440 numbers, more
  // than two of the largest traces send (2 x 255 TTLs x (10 + 5)).
  if (options.paris || options.method == crafter::ProbeMethod::kIcmp) {
    return "";
  }
  const bool udp = options.method == crafter::ProbeMethod::kUdp;
  const std::string flag = udp ? "-p" : "--sport";
  const uint16_t first = udp ? options.destination_port : options.source_port;
  const size_t num_needed = NumDistinctNeeded(options, num_cycles);
  const size_t room = ProbeIdentity(options).NumDistinct();
  if (room >= num_needed) {
    return "";
  }
  const std::string how_many =
      std::to_string(size_t{options.max_ttl} - options.first_ttl + 1) +
      " TTLs x (-q " + std::to_string(options.num_queries) +
      " + --limit-retries " + std::to_string(options.limit_retries) + ")";
  return flag + " " + std::to_string(first) + " leaves " +
         std::to_string(room) + " ports up to 65535, but " +
         (num_cycles > 1 ? "two report cycles in a row" : "one trace") +
         " may send " + std::to_string(num_needed) + " probes (" +
         (num_cycles > 1 ? "2 x " : "") + how_many +
         "), one port each: " + flag + " must be at most " +
         std::to_string(first + room - num_needed);
}

std::string ValidateTraceOptions(const TraceOptions& options, int num_cycles) {
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
  if (std::string room = CheckPortRoom(options, num_cycles); !room.empty()) {
    return room;
  }
  if (options.destination.IsUnspecified()) {
    return "the destination must not be 0.0.0.0";
  }
  return "";
}

}  // namespace hoplab::trace
