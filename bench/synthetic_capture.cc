#include "bench/synthetic_capture.h"

#include <array>
#include <chrono>
#include <memory>
#include <span>

#include "crafter/icmp_error.h"
#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "replay/pcap_writer.h"

namespace hoplab::bench {
namespace {

using std::chrono::microseconds;

// A probe leaves every 50 us; router h answers after 100 us per hop.
constexpr microseconds kProbeSpacing{50};
constexpr microseconds kRttPerHop{100};
// Traces start one second apart from 2026-01-01T00:00:00Z.
constexpr std::chrono::seconds kFirstTraceAt{1767225600};
constexpr uint64_t kMaxTraces = 65535;

crafter::Ipv4Address TargetOf(uint64_t trace) {
  return crafter::Ipv4Address::FromOctets(198, 19, uint8_t(trace / 256),
                                          uint8_t(trace % 256));
}

}  // namespace

Status WriteSyntheticCapture(const SyntheticCaptureSpec& spec,
                             const std::string& path) {
  const uint64_t per_trace =
      uint64_t(spec.num_hops) * uint64_t(spec.num_queries);
  const uint64_t num_traces =
      (spec.num_time_exceeded + per_trace - 1) / per_trace;
  if (num_traces > kMaxTraces || spec.num_hops < 1 || spec.num_hops > 255 ||
      spec.num_queries < 1) {
    return Error{"synthetic capture: " + std::to_string(num_traces) +
                 " traces of " + std::to_string(spec.num_hops) +
                 " hops; expected 1..255 hops and at most 65535 traces"};
  }
  auto writer = replay::PcapWriter::Open(path);
  if (!writer.ok()) {
    return writer.error();
  }

  std::array<uint8_t, crafter::kDefaultProbeSize> probe{};
  std::array<uint8_t, crafter::kRfc1812MaxErrorSize> reply{};
  uint64_t written = 0;
  for (uint64_t trace = 0; trace < num_traces; ++trace) {
    crafter::ProbeSpec probe_spec;
    probe_spec.source = crafter::Ipv4Address::FromOctets(198, 18, 0, 1);
    probe_spec.destination = TargetOf(trace);
    probe_spec.icmp_id = uint16_t(trace + 1);
    trace::TimePoint at{kFirstTraceAt + std::chrono::seconds(trace)};
    for (uint64_t k = 0; k < per_trace && written < spec.num_time_exceeded;
         ++k, ++written) {
      // Step 1: the probe, as traceroute -I numbers it.
      const auto hop = uint8_t(1 + k / uint64_t(spec.num_queries));
      probe_spec.ttl = hop;
      probe_spec.icmp_sequence = uint16_t(k + 1);
      probe_spec.ip_id = uint16_t(k + 1);
      const size_t probe_size = crafter::BuildProbe(probe_spec, probe);
      at += kProbeSpacing;
      if (Status status =
              (*writer)->Write(std::span(probe.data(), probe_size), at);
          !status.ok()) {
        return status;
      }

      // Step 2: the Time Exceeded of router `hop`, quoting the probe as it
      // arrived (TTL 1), as Linux does.
      crafter::IcmpErrorSpec error;
      error.source = crafter::Ipv4Address::FromOctets(198, 18, 1, hop);
      error.destination = probe_spec.source;
      error.ttl = uint8_t(65 - hop);
      error.ip_id = uint16_t(k + 1);
      error.offending = std::span(probe.data(), probe_size);
      const size_t reply_size = crafter::BuildIcmpError(error, reply);
      if (Status status = (*writer)->Write(std::span(reply.data(), reply_size),
                                           at + kRttPerHop * hop);
          !status.ok()) {
        return status;
      }
    }
  }
  return (*writer)->Close();
}

}  // namespace hoplab::bench
