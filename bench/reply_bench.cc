// Parsing a Time Exceeded reply and matching it to the probe it answers,
// beside libtins dissecting the same bytes down to the quoted ICMP header
// (libtins has no matcher; reading the quoted sequence is where it stops).

#include <benchmark/benchmark.h>
#include <tins/tins.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crafter/icmp_error.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "crafter/reply_view.h"
#include "trace/probe_identity.h"
#include "trace/trace_options.h"

namespace hoplab {
namespace {

using crafter::Ipv4Address;

trace::TraceOptions Options() {
  trace::TraceOptions options;
  options.source = Ipv4Address::FromOctets(192, 0, 2, 100);
  options.destination = Ipv4Address::FromOctets(198, 51, 100, 7);
  options.icmp_id = 0x4242;
  return options;
}

// A router's Time Exceeded for probe 7 of a trace of traceroute's 60-byte
// ICMP probes, quoting it whole as Linux does: 116 bytes.
std::vector<uint8_t> MakeTimeExceeded() {
  const trace::ProbeIdentity identity(Options());
  const crafter::ProbeSpec probe = identity.SpecFor(7, 3, 8);
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

void SetThroughput(benchmark::State& state, size_t size) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t(size));
}

// What the engine does with every datagram: ParseReplyView, then the
// probe's index from the quoted key.
void BM_ReplyParseMatchHoplab(benchmark::State& state) {
  const std::vector<uint8_t> reply = MakeTimeExceeded();
  const trace::ProbeIdentity identity(Options());
  crafter::ReplyView view;
  if (ParseReplyView(reply, &view).has_value() ||
      identity.IndexOf(view.reply.probe) != 7u) {
    state.SkipWithError("the reply does not match probe 7");
    return;
  }
  for (auto _ : state) {
    const bool ok = !crafter::ParseReplyView(reply, &view).has_value();
    benchmark::DoNotOptimize(ok ? identity.IndexOf(view.reply.probe)
                                : std::nullopt);
  }
  SetThroughput(state, reply.size());
}

// The same through ParseReply, which builds a whole Reply (what replay
// keeps of every reply).
void BM_ReplyParseFullMatchHoplab(benchmark::State& state) {
  const std::vector<uint8_t> reply = MakeTimeExceeded();
  const trace::ProbeIdentity identity(Options());
  if (auto parsed = crafter::ParseReply(reply);
      !parsed.ok() || identity.IndexOf(parsed->probe) != 7u) {
    state.SkipWithError("the reply does not match probe 7");
    return;
  }
  for (auto _ : state) {
    auto parsed = crafter::ParseReply(reply);
    benchmark::DoNotOptimize(parsed.ok() ? identity.IndexOf(parsed->probe)
                                         : std::nullopt);
  }
  SetThroughput(state, reply.size());
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
  SetThroughput(state, reply.size());
}

BENCHMARK(BM_ReplyParseMatchHoplab);
BENCHMARK(BM_ReplyParseFullMatchHoplab);
BENCHMARK(BM_ReplyParseLibtins);

}  // namespace
}  // namespace hoplab
