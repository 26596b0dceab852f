// RewritingNetwork: the built-in network with a hook on every reply, for
// tests that need a path to misbehave (drop, delay, change, multiply).

#ifndef HOPLAB_TESTS_TRACE_REWRITING_NETWORK_H_
#define HOPLAB_TESTS_TRACE_REWRITING_NETWORK_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sim/builtin_network.h"
#include "sim/network.h"

namespace hoplab::testing_util {

// The built-in network, with every reply passed through `rewrite`, which
// may drop, change, delay or multiply it. `probe_index` counts the probes
// sent so far, from 0.
class RewritingNetwork final : public sim::Network {
 public:
  using Rewrite = std::function<void(size_t probe_index, sim::Delivery reply,
                                     std::vector<sim::Delivery>& out)>;

  explicit RewritingNetwork(Rewrite rewrite) : rewrite_(std::move(rewrite)) {}

  std::string Name() const override { return "rewriting"; }

  void Send(std::span<const uint8_t> datagram, trace::TimePoint sent_at,
            std::vector<sim::Delivery>& replies) override {
    std::vector<sim::Delivery> plain;
    inner_.Send(datagram, sent_at, plain);
    for (sim::Delivery& reply : plain) {
      rewrite_(num_sent_, std::move(reply), replies);
    }
    ++num_sent_;
  }

 private:
  sim::BuiltinNetwork inner_;
  Rewrite rewrite_;
  size_t num_sent_ = 0;
};

}  // namespace hoplab::testing_util

#endif  // HOPLAB_TESTS_TRACE_REWRITING_NETWORK_H_
