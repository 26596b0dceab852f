// Building a probe ready to send, checksums included, into a reused buffer,
// beside libtins building the same bytes with its PDUs reused. Before the
// timed loop each pair checks that both sides write the same datagram.

#include <benchmark/benchmark.h>
#include <tins/tins.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "crafter/ipv4_address.h"
#include "crafter/probe.h"
#include "crafter/probe_template.h"

namespace hoplab {
namespace {

using crafter::ProbeMethod;

constexpr crafter::Ipv4Address kSource =
    crafter::Ipv4Address::FromOctets(192, 0, 2, 100);
constexpr crafter::Ipv4Address kDestination =
    crafter::Ipv4Address::FromOctets(198, 51, 100, 7);
// traceroute's 60-byte probe: 20 bytes of IP, 8 of ICMP and 32 of data
// (8 of UDP and 32 of data; 20 of TCP and 20 of options).
constexpr size_t kProbeSize = 60;
// Kept a power of two, so that choosing the TTL costs a mask, not a
// division: the loop measures the builders, not the bench.
constexpr uint32_t kMaxTtl = 32;

crafter::ProbeSpec BaseSpec(ProbeMethod method) {
  crafter::ProbeSpec spec;
  spec.method = method;
  spec.source = kSource;
  spec.destination = kDestination;
  spec.icmp_id = 0x4242;
  spec.source_port = 40000;
  spec.destination_port = method == ProbeMethod::kTcp ? 80 : 33434;
  spec.tcp_sequence = 0x10000000;
  return spec;
}

// Probe k of a classic trace, as ProbeIdentity numbers them.
crafter::ProbeVariant VariantFor(ProbeMethod method, uint32_t k) {
  crafter::ProbeVariant variant;
  variant.ttl = static_cast<uint8_t>(1 + (k >> 2) % kMaxTtl);
  variant.ip_id = static_cast<uint16_t>(k | 1);
  variant.icmp_sequence = static_cast<uint16_t>(k);
  variant.source_port = method == ProbeMethod::kTcp
                            ? static_cast<uint16_t>(40000 + (k & 0x3fff))
                            : uint16_t{40000};
  variant.destination_port = method == ProbeMethod::kTcp
                                 ? uint16_t{80}
                                 : static_cast<uint16_t>(33434 + (k & 0x3fff));
  variant.tcp_sequence = 0x10000000;
  return variant;
}

// libtins's PDUs for the probe, built once and reused: IP/ICMP/RawPDU,
// IP/UDP/RawPDU or IP/TCP with traceroute -T's options.
struct TinsProbe {
  Tins::IP ip;
  Tins::ICMP* icmp = nullptr;
  Tins::UDP* udp = nullptr;
  Tins::TCP* tcp = nullptr;

  explicit TinsProbe(ProbeMethod method) {
    ip = Tins::IP(kDestination.ToString(), kSource.ToString());
    ip.ttl(1);
    ip.id(1);
    // The data pattern BuildProbe writes (Linux traceroute's).
    std::vector<uint8_t> data(32);
    for (size_t i = 0; i < data.size(); ++i) {
      data[i] = static_cast<uint8_t>(
          (method == ProbeMethod::kIcmp ? 0x48 : 0x40) + i);
    }
    switch (method) {
      case ProbeMethod::kIcmp:
        ip /= Tins::ICMP(Tins::ICMP::ECHO_REQUEST) / Tins::RawPDU(data);
        icmp = &ip.rfind_pdu<Tins::ICMP>();
        icmp->id(0x4242);
        break;
      case ProbeMethod::kUdp:
        ip /= Tins::UDP(33434, 40000) / Tins::RawPDU(data);
        udp = &ip.rfind_pdu<Tins::UDP>();
        break;
      case ProbeMethod::kTcp:
        ip /= Tins::TCP(80, 40000);
        tcp = &ip.rfind_pdu<Tins::TCP>();
        tcp->flags(Tins::TCP::SYN);
        tcp->window(5840);
        tcp->seq(0x10000000);
        tcp->mss(1460);
        tcp->sack_permitted();
        tcp->timestamp(0, 0);
        tcp->add_option(Tins::TCP::option(Tins::TCP::NOP));
        tcp->winscale(2);
        break;
    }
  }

  Tins::PDU::serialization_type Build(const crafter::ProbeVariant& variant) {
    ip.ttl(variant.ttl);
    ip.id(variant.ip_id);
    if (icmp != nullptr) {
      icmp->sequence(variant.icmp_sequence);
    } else if (udp != nullptr) {
      udp->sport(variant.source_port);
      udp->dport(variant.destination_port);
    } else {
      tcp->sport(variant.source_port);
      tcp->dport(variant.destination_port);
    }
    return ip.serialize();
  }
};

// Both builders must write the same datagram, or the comparison means
// nothing.
bool SameBytes(ProbeMethod method, const crafter::ProbeTemplate& probes,
               TinsProbe& tins) {
  std::array<uint8_t, kProbeSize> ours{};
  for (uint32_t k : {0u, 1u, 77u, 4000u}) {
    const crafter::ProbeVariant variant = VariantFor(method, k);
    if (probes.Build(variant, ours) != kProbeSize) {
      return false;
    }
    const Tins::PDU::serialization_type theirs = tins.Build(variant);
    if (theirs.size() != kProbeSize ||
        !std::equal(theirs.begin(), theirs.end(), ours.begin())) {
      return false;
    }
  }
  return true;
}

void SetThroughput(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t{kProbeSize});
}

// hoplab's per-probe path: the trace's template patched per probe.
void BM_ProbeBuildHoplab(benchmark::State& state) {
  const auto method = static_cast<ProbeMethod>(state.range(0));
  const std::optional<crafter::ProbeTemplate> probes =
      crafter::ProbeTemplate::Create(BaseSpec(method));
  TinsProbe tins(method);
  if (!probes || !SameBytes(method, *probes, tins)) {
    state.SkipWithError("hoplab and libtins probes differ");
    return;
  }
  std::array<uint8_t, kProbeSize> buffer{};
  uint32_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(probes->Build(VariantFor(method, ++k), buffer));
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

// A whole BuildProbe per probe: what the template saves.
void BM_ProbeBuildHoplabFull(benchmark::State& state) {
  const auto method = static_cast<ProbeMethod>(state.range(0));
  const std::optional<crafter::ProbeTemplate> probes =
      crafter::ProbeTemplate::Create(BaseSpec(method));
  std::array<uint8_t, kProbeSize> buffer{};
  uint32_t k = 0;
  for (auto _ : state) {
    const crafter::ProbeSpec spec = probes->SpecFor(VariantFor(method, ++k));
    benchmark::DoNotOptimize(crafter::BuildProbe(spec, buffer));
    benchmark::ClobberMemory();
  }
  SetThroughput(state);
}

void BM_ProbeBuildLibtins(benchmark::State& state) {
  const auto method = static_cast<ProbeMethod>(state.range(0));
  TinsProbe tins(method);
  uint32_t k = 0;
  for (auto _ : state) {
    Tins::PDU::serialization_type bytes = tins.Build(VariantFor(method, ++k));
    benchmark::DoNotOptimize(bytes.data());
  }
  SetThroughput(state);
}

void Methods(benchmark::internal::Benchmark* benchmark) {
  benchmark->ArgName("method");
  for (ProbeMethod method :
       {ProbeMethod::kIcmp, ProbeMethod::kUdp, ProbeMethod::kTcp}) {
    benchmark->Arg(static_cast<int64_t>(method));
  }
}

BENCHMARK(BM_ProbeBuildHoplab)->Apply(Methods);
BENCHMARK(BM_ProbeBuildHoplabFull)->Apply(Methods);
BENCHMARK(BM_ProbeBuildLibtins)->Apply(Methods);

}  // namespace
}  // namespace hoplab
