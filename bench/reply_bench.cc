// Parsing a Time Exceeded reply down to the probe it quotes, beside libtins
// dissecting the same bytes down to the quoted ICMP header.

#include <benchmark/benchmark.h>
#include <tins/tins.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crafter/icmp_error.h"
#include "crafter/probe.h"
#include "crafter/reply.h"

namespace hoplab {
namespace {

using crafter::Ipv4Address;

// A router's Time Exceeded for traceroute's 60-byte ICMP probe, quoting it
// whole as Linux does.
std::vector<uint8_t> MakeTimeExceeded() {
  crafter::ProbeSpec probe;
  probe.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  probe.destination = Ipv4Address::FromOctets(198, 51, 100, 7);
  probe.icmp_id = 0x4242;
  probe.icmp_sequence = 7;
  std::array<uint8_t, 60> probe_bytes{};
  const size_t probe_size = crafter::BuildProbe(probe, probe_bytes);

  crafter::IcmpErrorSpec error;
  error.source = Ipv4Address::FromOctets(203, 0, 113, 9);
  error.destination = probe.source;
  error.ip_id = 99;
  error.offending = std::span(probe_bytes.data(), probe_size);
  std::vector<uint8_t> reply(128);
  reply.resize(crafter::BuildIcmpError(error, reply));
  return reply;
}

void BM_ReplyParseHoplab(benchmark::State& state) {
  const std::vector<uint8_t> reply = MakeTimeExceeded();
  for (auto _ : state) {
    auto parsed = crafter::ParseReply(reply);
    benchmark::DoNotOptimize(parsed.ok() ? parsed->probe.icmp_sequence : 0);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t(reply.size()));
}

void BM_ReplyParseLibtins(benchmark::State& state) {
  const std::vector<uint8_t> reply = MakeTimeExceeded();
  for (auto _ : state) {
    Tins::IP outer(reply.data(), uint32_t(reply.size()));
    const Tins::RawPDU& quote = outer.rfind_pdu<Tins::RawPDU>();
    Tins::IP inner = quote.to<Tins::IP>();
    const Tins::ICMP& echo = inner.rfind_pdu<Tins::ICMP>();
    benchmark::DoNotOptimize(echo.sequence());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t(reply.size()));
}

BENCHMARK(BM_ReplyParseHoplab);
BENCHMARK(BM_ReplyParseLibtins);

}  // namespace
}  // namespace hoplab
