// A whole trace on the built-in simulated network: probes built, routed,
// answered, parsed and matched, on a virtual clock.

#include <benchmark/benchmark.h>

#include "crafter/ipv4_address.h"
#include "sim/builtin_network.h"
#include "sim/sim_transport.h"
#include "sim/topology_loader.h"
#include "sim/topology_network.h"
#include "sim/virtual_clock.h"
#include "trace/engine.h"

namespace hoplab {
namespace {

// One whole trace on `network` from a fresh virtual clock; the number of
// hops it found.
size_t TraceOnce(sim::Network& network, const trace::TraceOptions& options) {
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  trace::Engine engine(transport, clock, options);
  auto result = engine.Run();
  return result.ok() ? result->hops.size() : 0;
}

void BM_TraceBuiltinNetwork(benchmark::State& state) {
  trace::TraceOptions options;
  options.source = crafter::Ipv4Address::FromOctets(192, 0, 2, 100);
  options.destination = crafter::Ipv4Address::FromOctets(198, 51, 100, 7);
  size_t num_hops = 0;
  for (auto _ : state) {
    sim::BuiltinNetwork network;
    num_hops = TraceOnce(network, options);
    benchmark::DoNotOptimize(num_hops);
  }
  state.counters["hops"] = double(num_hops);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TraceBuiltinNetwork);

// Traces `destination` on the topology file `path` (relative to the
// repository root, where bench_smoke runs), 3 probes per hop, the network
// built once per trace outside the engine as `hoplab trace --sim` builds
// it once per run.
void TraceTopology(benchmark::State& state, const char* path,
                   crafter::Ipv4Address destination) {
  auto topology = sim::LoadTopologyFile(path);
  if (!topology.ok()) {
    state.SkipWithError(topology.error().message.c_str());
    return;
  }
  trace::TraceOptions options;
  options.source = topology->host;
  options.destination = destination;
  options.num_queries = 3;
  size_t num_hops = 0;
  for (auto _ : state) {
    sim::TopologyNetwork network(*topology, topology->seed);
    num_hops = TraceOnce(network, options);
    benchmark::DoNotOptimize(num_hops);
  }
  state.counters["hops"] = double(num_hops);
  state.SetItemsProcessed(state.iterations());
}

// A 30-hop trace on sim/topologies/thirty-hops.yaml.
void BM_TraceThirtyHopTopology(benchmark::State& state) {
  TraceTopology(state, "sim/topologies/thirty-hops.yaml",
                crafter::Ipv4Address::FromOctets(203, 0, 113, 30));
}

BENCHMARK(BM_TraceThirtyHopTopology);

// A trace past a rate-limited router (Linux's bucket) and a silent one
// (sim/topologies/rate-limited.yaml): the silent hop waits out its probes.
void BM_TraceRateLimitedAndSilentTopology(benchmark::State& state) {
  TraceTopology(state, "sim/topologies/rate-limited.yaml",
                crafter::Ipv4Address::FromOctets(203, 0, 113, 52));
}

BENCHMARK(BM_TraceRateLimitedAndSilentTopology);

}  // namespace
}  // namespace hoplab
