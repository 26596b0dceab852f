// Building a probe ready to send, checksums included, into a reused buffer,
// beside libtins building the same bytes with its PDUs reused.

#include <benchmark/benchmark.h>
#include <tins/tins.h>

#include <array>
#include <cstdint>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"

namespace hoplab {
namespace {

constexpr crafter::Ipv4Address kSource =
    crafter::Ipv4Address::FromOctets(192, 0, 2, 100);
constexpr crafter::Ipv4Address kDestination =
    crafter::Ipv4Address::FromOctets(198, 51, 100, 7);
// 20 bytes of IP, 8 of ICMP, 32 of data: traceroute's 60-byte probe.
constexpr size_t kPayloadSize = 32;

void BM_ProbeBuildIcmpHoplab(benchmark::State& state) {
  crafter::ProbeSpec spec;
  spec.source = kSource;
  spec.destination = kDestination;
  spec.icmp_id = 0x4242;
  std::array<uint8_t, 64> buffer{};
  uint16_t sequence = 0;
  for (auto _ : state) {
    spec.ttl = static_cast<uint8_t>(1 + sequence % 30);
    spec.icmp_sequence = ++sequence;
    spec.ip_id = static_cast<uint16_t>(sequence | 1);
    benchmark::DoNotOptimize(crafter::BuildProbe(spec, buffer));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 60);
}

void BM_ProbeBuildIcmpLibtins(benchmark::State& state) {
  Tins::IP ip = Tins::IP(kDestination.ToString(), kSource.ToString()) /
                Tins::ICMP(Tins::ICMP::ECHO_REQUEST) /
                Tins::RawPDU(std::vector<uint8_t>(kPayloadSize, 0x48));
  Tins::ICMP& icmp = ip.rfind_pdu<Tins::ICMP>();
  icmp.id(0x4242);
  uint16_t sequence = 0;
  for (auto _ : state) {
    ip.ttl(static_cast<uint8_t>(1 + sequence % 30));
    ip.id(static_cast<uint16_t>(sequence | 1));
    icmp.sequence(++sequence);
    Tins::PDU::serialization_type bytes = ip.serialize();
    benchmark::DoNotOptimize(bytes.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 60);
}

BENCHMARK(BM_ProbeBuildIcmpHoplab);
BENCHMARK(BM_ProbeBuildIcmpLibtins);

}  // namespace
}  // namespace hoplab
