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

// A 30-hop trace of 3 probes per hop on sim/topologies/thirty-hops.yaml
// (run from the repository root), the network built once outside the loop
// as `hoplab trace --sim` builds it once per run.
void BM_TraceThirtyHopTopology(benchmark::State& state) {
  auto topology = sim::LoadTopologyFile("sim/topologies/thirty-hops.yaml");
  if (!topology.ok()) {
    state.SkipWithError(topology.error().message.c_str());
    return;
  }
  trace::TraceOptions options;
  options.source = topology->host;
  options.destination = crafter::Ipv4Address::FromOctets(203, 0, 113, 30);
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

BENCHMARK(BM_TraceThirtyHopTopology);

}  // namespace
}  // namespace hoplab
