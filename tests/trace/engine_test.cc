// The engine over the simulated network, with decorations that make the
// network misbehave in the ways real paths do.

#include "trace/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/ipv4.h"
#include "crafter/probe.h"
#include "sim/builtin_network.h"
#include "sim/router.h"
#include "sim/sim_transport.h"
#include "sim/virtual_clock.h"
#include "tests/trace/rewriting_network.h"
#include "trace/annotation.h"
#include "trace/probe_identity.h"
#include "trace/transport.h"

namespace hoplab::trace {
namespace {

using crafter::Ipv4Address;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AnyOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;
using testing_util::RewritingNetwork;

constexpr Ipv4Address kSource = Ipv4Address::FromOctets(192, 0, 2, 100);
constexpr Ipv4Address kTarget = Ipv4Address::FromOctets(198, 51, 100, 7);

TraceOptions DefaultOptions() {
  TraceOptions options;
  options.source = kSource;
  options.destination = kTarget;
  options.icmp_id = 0x4242;
  options.first_ip_id = 1000;
  return options;
}

// Runs a whole trace on `network` and returns its result.
TraceResult RunTrace(sim::Network& network, const TraceOptions& options) {
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  Engine engine(transport, clock, options);
  auto result = engine.Run();
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : TraceResult{};
}

// Each hop's responders, in probe order, "*" for no reply.
std::vector<std::vector<std::string>> Responders(const TraceResult& result) {
  std::vector<std::vector<std::string>> hops;
  for (const Hop& hop : result.hops) {
    std::vector<std::string> probes;
    for (const ProbeResult& probe : hop.probes) {
      probes.push_back(probe.from ? probe.from->ToString() : "*");
    }
    hops.push_back(probes);
  }
  return hops;
}

// The responder of the reply in `delivery`.
Ipv4Address SourceOf(const sim::Delivery& delivery) {
  return crafter::ParseIpv4Header(delivery.bytes)->source;
}

// Recomputes the ICMP checksum of a reply a test has edited (outer header
// without options).
void PatchIcmpChecksum(std::vector<uint8_t>& datagram) {
  const size_t offset =
      crafter::kIpv4MinHeaderSize + crafter::kIcmpChecksumOffset;
  crafter::StoreU16(datagram, offset, 0);
  crafter::StoreU16(datagram, offset,
                    crafter::InternetChecksum(std::span(datagram).subspan(
                        crafter::kIpv4MinHeaderSize)));
}

// The path's addresses, the destination last.
std::vector<Ipv4Address> PathAddresses() {
  std::vector<Ipv4Address> addresses;
  for (const sim::PathNode& node : sim::BuiltinNetwork::PathTo(kTarget)) {
    addresses.push_back(node.address);
  }
  return addresses;
}

TEST(EngineTest, ReachesDestinationAndStopsAfterItsHop) {
  sim::BuiltinNetwork network;
  const TraceResult result = RunTrace(network, DefaultOptions());

  const std::vector<Ipv4Address> path = PathAddresses();
  ASSERT_EQ(result.hops.size(), path.size());
  EXPECT_TRUE(result.reached);
  const std::vector<sim::PathNode> nodes = sim::BuiltinNetwork::PathTo(kTarget);
  for (size_t i = 0; i < path.size(); ++i) {
    EXPECT_EQ(result.hops[i].ttl, i + 1);
    EXPECT_THAT(
        result.hops[i].probes,
        Each(Field(&ProbeResult::from,
                   Optional(AnyOf(nodes[i].address, nodes[i].ecmp_alternate)))))
        << "hop " << i + 1;
  }
  EXPECT_EQ(result.hops.back().probes[0].kind, crafter::ReplyKind::kEchoReply);
  EXPECT_EQ(result.counters.num_unmatched, 0u);
}

TEST(EngineTest, RoundTripTimesGrowAlongThePath) {
  sim::BuiltinNetwork network;
  const TraceResult result = RunTrace(network, DefaultOptions());

  ASSERT_GE(result.hops.size(), 2u);
  for (size_t i = 1; i < result.hops.size(); ++i) {
    EXPECT_GT(result.hops[i].probes[0].rtt, result.hops[i - 1].probes[0].rtt)
        << "hop " << i + 1;
  }
  EXPECT_GT(result.hops[0].probes[0].rtt, Duration::zero());
}

TEST(EngineTest, StopsAtMaxTtlWithoutReaching) {
  TraceOptions options = DefaultOptions();
  options.max_ttl = 3;
  sim::BuiltinNetwork network;
  const TraceResult result = RunTrace(network, options);

  ASSERT_EQ(result.hops.size(), 3u);
  EXPECT_FALSE(result.reached);
  EXPECT_EQ(result.hops.back().ttl, 3);
}

TEST(EngineTest, StartsAtFirstTtlWithQueriesPerHop) {
  TraceOptions options = DefaultOptions();
  options.first_ttl = 4;
  options.num_queries = 1;
  sim::BuiltinNetwork network;
  const TraceResult result = RunTrace(network, options);

  const std::vector<Ipv4Address> path = PathAddresses();
  ASSERT_EQ(result.hops.size(), path.size() - 3);
  EXPECT_EQ(result.hops[0].ttl, 4);
  EXPECT_EQ(result.hops[0].probes.size(), 1u);
  // Hop 4 is a balanced pair of routers.
  const sim::PathNode balanced = sim::BuiltinNetwork::PathTo(kTarget)[3];
  EXPECT_THAT(result.hops[0].probes[0].from,
              Optional(AnyOf(balanced.address, balanced.ecmp_alternate)));
  EXPECT_TRUE(result.reached);
}

TEST(EngineTest, SilentRouterShowsStarsAndTheTraceGoesOn) {
  // Topology: the built-in path; router 2 never sends Time Exceeded.
  const Ipv4Address silent = PathAddresses()[1];
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        if (SourceOf(reply) != silent) {
          out.push_back(std::move(reply));
        }
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  ASSERT_EQ(result.hops.size(), PathAddresses().size());
  EXPECT_THAT(Responders(result)[1], ElementsAre("*", "*", "*"));
  EXPECT_EQ(result.hops[2].probes[0].from, PathAddresses()[2]);
  EXPECT_TRUE(result.reached);
}

TEST(EngineTest, MatchesRepliesThatArriveInReverseOrder) {
  // Every probe's reply is held back less than the one before it, so the
  // replies to a window of probes in flight arrive last-sent first.
  RewritingNetwork network([](size_t probe_index, sim::Delivery reply,
                              std::vector<sim::Delivery>& out) {
    reply.at += milliseconds(500) - milliseconds(probe_index * 10);
    out.push_back(std::move(reply));
  });
  sim::BuiltinNetwork plain_network;
  const TraceResult plain = RunTrace(plain_network, DefaultOptions());
  const TraceResult reordered = RunTrace(network, DefaultOptions());

  EXPECT_EQ(Responders(reordered), Responders(plain));
  EXPECT_TRUE(reordered.reached);
  // The delay is part of each probe's own round trip: the first probe's
  // reply waited longest.
  EXPECT_GT(reordered.hops[0].probes[0].rtt, reordered.hops[0].probes[1].rtt);
}

TEST(EngineTest, DuplicateRepliesAreCountedAsLate) {
  RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        sim::Delivery copy = reply;
        copy.at += milliseconds(1);
        out.push_back(std::move(reply));
        out.push_back(std::move(copy));
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  // The trace ends with the last reply of the last hop; duplicates still on
  // their way then are never read.
  EXPECT_TRUE(result.reached);
  const uint64_t answered = result.hops.size() * 3;
  EXPECT_GE(result.counters.num_late, answered - 3);
  EXPECT_LE(result.counters.num_late, answered);
  EXPECT_EQ(result.counters.num_unmatched, 0u);
}

TEST(EngineTest, RepliesToProbesPastTheTargetAreNotLate) {
  // The router before the target answers slowly, so the trace is still
  // running when the target's answers to the probes -N sent beyond its
  // hop come in.
  const std::vector<Ipv4Address> path = PathAddresses();
  const Ipv4Address slow = path[path.size() - 2];
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        if (SourceOf(reply) == slow) {
          reply.at += milliseconds(300);
        }
        out.push_back(std::move(reply));
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  ASSERT_TRUE(result.reached);
  EXPECT_EQ(result.hops.size(), path.size());
  EXPECT_GT(result.counters.num_past_last_hop, 0u);
  EXPECT_EQ(result.counters.num_late, 0u);
  EXPECT_EQ(result.counters.num_unmatched, 0u);
}

TEST(EngineTest, ReplyAfterTheWaitIsAStarAndCountedLate) {
  const Ipv4Address slow = PathAddresses()[2];
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        if (SourceOf(reply) == slow) {
          reply.at += seconds(6);
        }
        out.push_back(std::move(reply));
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  EXPECT_THAT(Responders(result)[2], ElementsAre("*", "*", "*"));
  EXPECT_TRUE(result.reached);
}

TEST(EngineTest, RepliesWithBadChecksumsAreDroppedAndCounted) {
  const Ipv4Address corrupting = PathAddresses()[2];
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        if (SourceOf(reply) == corrupting) {
          // Flip a bit of the ICMP checksum; the IP header stays valid.
          reply.bytes[20 + crafter::kIcmpChecksumOffset] ^= 0x01;
        }
        out.push_back(std::move(reply));
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  EXPECT_THAT(Responders(result)[2], ElementsAre("*", "*", "*"));
  EXPECT_EQ(result.counters.num_bad_checksum, 3u);
}

TEST(EngineTest, OtherTrafficIsCountedAndNeverBecomesAHop) {
  // Beside each reply: the same reply quoting another program's ICMP id,
  // and a datagram that is no reply at all (an Echo Request).
  RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        sim::Delivery foreign = reply;
        crafter::ProbeSpec ping;
        ping.source = kTarget;
        ping.destination = kSource;
        ping.icmp_id = 7;
        sim::Delivery noise{reply.at, std::vector<uint8_t>(64)};
        noise.bytes.resize(crafter::BuildProbe(ping, noise.bytes));
        out.push_back(std::move(noise));
        if (crafter::ParseIpv4Header(foreign.bytes)->protocol ==
                crafter::IpProtocol::kIcmp &&
            foreign.bytes[20] == uint8_t(crafter::IcmpType::kTimeExceeded)) {
          // The quoted echo's identifier sits 4 bytes into the quoted ICMP
          // header: outer IP 20 + ICMP 8 + quoted IP 20 + 4.
          foreign.bytes[52] ^= 0xff;
          PatchIcmpChecksum(foreign.bytes);
          out.push_back(std::move(foreign));
        }
        out.push_back(std::move(reply));
      });
  sim::BuiltinNetwork plain_network;
  const TraceResult plain = RunTrace(plain_network, DefaultOptions());
  const TraceResult noisy = RunTrace(network, DefaultOptions());

  EXPECT_EQ(Responders(noisy), Responders(plain));
  EXPECT_GT(noisy.counters.num_not_replies, 0u);
  EXPECT_GT(noisy.counters.num_unmatched, 0u);
}

TEST(EngineTest, NetUnreachableEndsTheTraceWithItsMark) {
  // Router 2 has no route onwards and says so (RFC 792 code 0).
  const Ipv4Address refusing = PathAddresses()[1];
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        if (SourceOf(reply) == refusing) {
          reply.bytes[20] = uint8_t(crafter::IcmpType::kDestinationUnreachable);
          reply.bytes[21] = uint8_t(crafter::UnreachableCode::kNet);
          PatchIcmpChecksum(reply.bytes);
        }
        out.push_back(std::move(reply));
      });
  const TraceResult result = RunTrace(network, DefaultOptions());

  ASSERT_EQ(result.hops.size(), 2u);
  EXPECT_FALSE(result.reached);
  for (const ProbeResult& probe : result.hops[1].probes) {
    EXPECT_EQ(Annotation(probe), "!N");
  }
}

TEST(EngineTest, KeepsAtMostMaxInFlightProbesInTheWindow) {
  // A network that answers nothing: every probe stays in the window until
  // kInitialWindowRelease has passed without a reply, so the sends before
  // the first wait show the window, and the window's next probes leave
  // when the first ones leave it.
  class CountingTransport final : public Transport {
   public:
    Result<TimePoint> Send(std::span<const uint8_t>) override {
      sent_at.push_back(now);
      return now;
    }
    Result<std::optional<ReceivedDatagram>> Receive(
        TimePoint deadline) override {
      if (sends_before_first_wait == 0) {
        sends_before_first_wait = sent_at.size();
      }
      now = deadline;
      return std::optional<ReceivedDatagram>();
    }
    TimePoint now = sim::kSimulationEpoch;
    std::vector<TimePoint> sent_at;
    size_t sends_before_first_wait = 0;
  };
  class TransportClock final : public Clock {
   public:
    explicit TransportClock(const CountingTransport& transport)
        : transport_(transport) {}
    TimePoint Now() const override { return transport_.now; }

   private:
    const CountingTransport& transport_;
  };
  for (int window : {1, 5, 16}) {
    SCOPED_TRACE("-N " + std::to_string(window));
    CountingTransport transport;
    TransportClock clock(transport);
    TraceOptions options = DefaultOptions();
    options.max_in_flight = window;
    options.max_ttl = 10;
    Engine engine(transport, clock, options);
    ASSERT_TRUE(engine.Run().ok());
    EXPECT_EQ(transport.sends_before_first_wait, size_t(window));
    ASSERT_EQ(transport.sent_at.size(), 30u);
    EXPECT_EQ(transport.sent_at[size_t(window) - 1], sim::kSimulationEpoch);
    EXPECT_EQ(transport.sent_at[size_t(window)],
              sim::kSimulationEpoch + kInitialWindowRelease);
  }
}

TEST(EngineTest, AnsweredPathKeepsTheWholeWindowUntilReplies) {
  // Every reply comes back 50 ms after its probe, within the window
  // release: each probe after the first window leaves when a reply frees
  // its place, as in traceroute(8), and never earlier.
  RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        reply.at += milliseconds(50);
        out.push_back(std::move(reply));
      });
  TraceOptions options = DefaultOptions();
  options.max_in_flight = 4;
  const TraceResult result = RunTrace(network, options);

  ASSERT_TRUE(result.reached);
  std::vector<TimePoint> sent_at;
  for (const Hop& hop : result.hops) {
    for (const ProbeResult& probe : hop.probes) {
      sent_at.push_back(probe.sent_at);
    }
  }
  for (size_t i = 4; i < sent_at.size(); ++i) {
    SCOPED_TRACE("probe " + std::to_string(i));
    // The reply to probe i - 4 freed the place: at least its round trip.
    EXPECT_GE(sent_at[i] - sent_at[i - 4], milliseconds(50));
  }
}

TEST(EngineTest, HopCallbackSeesEveryHopOnceInOrder) {
  sim::BuiltinNetwork network;
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  Engine engine(transport, clock, DefaultOptions());
  std::vector<int> seen;
  engine.set_hop_callback([&](const Hop& hop) { seen.push_back(hop.ttl); });
  auto result = engine.Run();

  ASSERT_TRUE(result.ok());
  ASSERT_EQ(seen.size(), result->hops.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], int(i) + 1);
  }
}

TEST(EngineTest, StopFlagEndsTheTraceWithTheHopsSentSoFar) {
  sim::BuiltinNetwork network;
  sim::VirtualClock clock;
  sim::SimTransport transport(network, clock);
  TraceOptions options = DefaultOptions();
  options.max_in_flight = 4;
  Engine engine(transport, clock, options);
  volatile std::sig_atomic_t stop = 0;
  engine.set_stop_flag(&stop);
  std::vector<int> seen;
  // As a signal would, between two hops.
  engine.set_hop_callback([&](const Hop& hop) {
    seen.push_back(hop.ttl);
    if (hop.ttl == 2) {
      stop = SIGINT;
    }
  });

  auto result = engine.Run();

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "interrupted");
  const TraceResult& partial = engine.partial_result();
  // Hop 2 went out with probes of hop 3 and 4 (4 in flight); those hops are
  // shown with what they have, every probe accounted for.
  ASSERT_GE(partial.hops.size(), 3u);
  EXPECT_EQ(seen.size(), partial.hops.size());
  for (size_t i = 0; i < partial.hops.size(); ++i) {
    EXPECT_EQ(partial.hops[i].ttl, i + 1);
    EXPECT_EQ(partial.hops[i].probes.size(), 3u);
  }
  EXPECT_FALSE(partial.reached);
  EXPECT_TRUE(partial.interrupted);
}

// A stop flag that rises once the clock passes a moment, as SIGINT would
// while the engine waits.
class StoppingClock final : public Clock {
 public:
  StoppingClock(const Clock& inner, TimePoint at,
                volatile std::sig_atomic_t& stop)
      : inner_(inner), at_(at), stop_(stop) {}
  TimePoint Now() const override {
    const TimePoint now = inner_.Now();
    if (now >= at_) {
      stop_ = SIGINT;
    }
    return now;
  }

 private:
  const Clock& inner_;
  TimePoint at_;
  volatile std::sig_atomic_t& stop_;
};

TEST(EngineTest, StopShowsTheHopUnderWayNotProbesSentAheadIntoSilence) {
  // Routers from hop 4 on answer after 3 s. Hop 4's silent probes leave
  // the -N window, which runs ahead towards -m; a stop at 1 s shows hops
  // 1 to 3 and hop 4 as stars, not 30 hops of stars.
  const std::vector<Ipv4Address> path = PathAddresses();
  sim::VirtualClock clock;
  const TimePoint start = clock.Now();
  bool woke = false;
  RewritingNetwork network(
      [&](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        const Ipv4Address from = SourceOf(reply);
        if (from != path[0] && from != path[1] && from != path[2]) {
          reply.at += seconds(3);
        }
        out.push_back(std::move(reply));
        // Two stray datagrams at 1 s wake the engine's wait, so that it
        // reads the clock (and the stop flag rises) before the 3 s replies.
        if (!woke) {
          woke = true;
          out.push_back({start + seconds(1), std::vector<uint8_t>(20)});
          out.push_back({start + milliseconds(1001), std::vector<uint8_t>(20)});
        }
      });
  sim::SimTransport transport(network, clock);
  volatile std::sig_atomic_t stop = 0;
  StoppingClock stopping(clock, start + seconds(1), stop);
  Engine engine(transport, stopping, DefaultOptions());
  engine.set_stop_flag(&stop);

  auto result = engine.Run();

  ASSERT_FALSE(result.ok());
  const TraceResult& partial = engine.partial_result();
  EXPECT_GT(partial.counters.num_sent, 16u) << "the window did not run ahead";
  ASSERT_EQ(Responders(partial).size(), 4u);
  EXPECT_THAT(Responders(partial)[2], Each(path[2].ToString()));
  EXPECT_THAT(Responders(partial)[3], Each("*"));
  EXPECT_TRUE(partial.interrupted);
}

TEST(EngineTest, ReassemblyTimeoutsAreCountedAndNeverBecomeAHop) {
  RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        // Every Time Exceeded becomes code 1, as a destination sends when it
        // gives up reassembling.
        if (reply.bytes[20] == 11) {
          reply.bytes[21] = crafter::kTimeExceededReassembly;
          PatchIcmpChecksum(reply.bytes);
        }
        out.push_back(std::move(reply));
      });
  TraceOptions options = DefaultOptions();
  options.max_ttl = 2;
  options.wait = std::chrono::milliseconds(100);
  const TraceResult result = RunTrace(network, options);

  ASSERT_EQ(result.hops.size(), 2u);
  for (const Hop& hop : result.hops) {
    for (const ProbeResult& probe : hop.probes) {
      EXPECT_FALSE(probe.from.has_value());
    }
  }
  EXPECT_EQ(result.counters.num_reassembly_timeouts, 6u);
}

// Rewrites the quote of every Time Exceeded in `reply` (outer header
// without options) into a quote of the probe's second fragment, as a
// router past a link that fragmented the probe may send: fragment offset
// 1480 bytes, MF clear, and 8 data bytes that are not a transport header.
// `id_change` is XORed into the quoted IP id.
void QuoteLaterFragment(sim::Delivery& reply, uint16_t id_change) {
  constexpr size_t kQuote =
      crafter::kIpv4MinHeaderSize + crafter::kIcmpHeaderSize;
  if (reply.bytes[crafter::kIpv4MinHeaderSize] !=
      uint8_t(crafter::IcmpType::kTimeExceeded)) {
    return;
  }
  crafter::StoreU16(reply.bytes, kQuote + crafter::kIpv4FragmentOffset,
                    1480 / 8);
  const size_t id_at = kQuote + 4;
  crafter::StoreU16(reply.bytes, id_at,
                    crafter::LoadU16(reply.bytes, id_at) ^ id_change);
  const size_t data = kQuote + crafter::kIpv4MinHeaderSize;
  for (size_t i = 0; i < 8; ++i) {
    reply.bytes[data + i] = uint8_t(0xc0 + i);
  }
  PatchIcmpChecksum(reply.bytes);
}

TEST(EngineTest, MatchesAQuotedLaterFragmentByItsIpId) {
  for (const crafter::ProbeMethod method :
       {crafter::ProbeMethod::kIcmp, crafter::ProbeMethod::kUdp,
        crafter::ProbeMethod::kTcp}) {
    SCOPED_TRACE(crafter::ProbeMethodName(method));
    RewritingNetwork network(
        [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
          QuoteLaterFragment(reply, 0);
          out.push_back(std::move(reply));
        });
    TraceOptions options = DefaultOptions();
    options.method = method;
    // The ids cross 65535 -> 1 halfway through the trace.
    options.first_ip_id = 65520;
    sim::BuiltinNetwork plain_network;
    const TraceResult plain = RunTrace(plain_network, options);
    const TraceResult fragmented = RunTrace(network, options);

    EXPECT_EQ(Responders(fragmented), Responders(plain));
    EXPECT_TRUE(fragmented.reached);
    EXPECT_EQ(fragmented.counters.num_unmatched, 0u);
  }
}

TEST(EngineTest, AQuotedLaterFragmentOfNoProbeIsNeverAHop) {
  // The quoted IP id names no probe sent (another program's datagram to
  // the same destination, or a forged reply).
  RewritingNetwork network(
      [](size_t, sim::Delivery reply, std::vector<sim::Delivery>& out) {
        QuoteLaterFragment(reply, 0x4000);
        out.push_back(std::move(reply));
      });
  TraceOptions options = DefaultOptions();
  options.wait = milliseconds(200);
  const TraceResult result = RunTrace(network, options);

  const size_t num_hops = result.hops.size();
  ASSERT_GT(num_hops, 1u);
  for (size_t hop = 0; hop + 1 < num_hops; ++hop) {
    EXPECT_THAT(Responders(result)[hop], Each("*")) << "hop " << hop + 1;
  }
  EXPECT_TRUE(result.reached);
  EXPECT_EQ(result.counters.num_unmatched, (num_hops - 1) * 3);
}

TEST(EngineTest, SequenceNumbersWrapWithoutLosingTheMatch) {
  TraceOptions options = DefaultOptions();
  options.first_sequence = 65530;
  sim::BuiltinNetwork network;
  const TraceResult result = RunTrace(network, options);

  EXPECT_TRUE(result.reached);
  EXPECT_EQ(result.counters.num_unmatched, 0u);
  for (const Hop& hop : result.hops) {
    for (const ProbeResult& probe : hop.probes) {
      EXPECT_TRUE(probe.from.has_value()) << "hop " << int(hop.ttl);
    }
  }
}

// A process that falls behind (a loaded machine, a sanitizer build) reads
// each reply 40 ms after it arrived: the reading costs time, the arrival
// times stay the kernel's.
class SlowReaderTransport : public Transport {
 public:
  SlowReaderTransport(sim::Network& network, sim::VirtualClock& clock)
      : clock_(clock), inner_(network, clock) {}

  Result<TimePoint> Send(std::span<const uint8_t> datagram) override {
    return inner_.Send(datagram);
  }
  Result<std::optional<ReceivedDatagram>> Receive(TimePoint deadline) override {
    auto received = inner_.Receive(deadline);
    if (received.ok() && received->has_value()) {
      clock_.AdvanceTo((*received)->at + milliseconds(40));
    }
    return received;
  }

 private:
  sim::VirtualClock& clock_;
  sim::SimTransport inner_;
};

TEST(EngineTest, RepliesThatArrivedInTimeCountHoweverLateTheyAreRead) {
  // Every probe of the path in flight at once, so that the replies queue
  // up; a reply's wait (-w 5,3,10) at the far hops is a few milliseconds.
  TraceOptions options = DefaultOptions();
  options.max_in_flight = 30;
  sim::BuiltinNetwork network;
  sim::VirtualClock clock;
  SlowReaderTransport transport(network, clock);
  Engine engine(transport, clock, options);
  auto result = engine.Run();
  ASSERT_TRUE(result.ok());

  EXPECT_TRUE(result->reached);
  for (const Hop& hop : result->hops) {
    for (const ProbeResult& probe : hop.probes) {
      EXPECT_TRUE(probe.from.has_value()) << "hop " << int(hop.ttl);
    }
  }
  // What a reader that keeps up finds. (How many replies to the probes
  // sent past the target are read, and counted late, before the trace
  // ends depends on the reader's pace.)
  const TraceResult prompt = RunTrace(network, options);
  EXPECT_EQ(Responders(*result), Responders(prompt));
}

// Hop 4 of the built-in network is a pair of routers behind a per-flow
// load balancer. Classic probes change the hashed fields from probe to
// probe and see both routers; Paris probes keep one flow and see one.
TEST(EngineTest, ParisSeesOneRouterWhereClassicProbesSeeBoth) {
  for (crafter::ProbeMethod method :
       {crafter::ProbeMethod::kIcmp, crafter::ProbeMethod::kUdp,
        crafter::ProbeMethod::kTcp}) {
    SCOPED_TRACE(std::string(crafter::ProbeMethodName(method)));
    TraceOptions options = DefaultOptions();
    options.method = method;
    options.num_queries = 10;
    options.source_port = 40000;
    options.destination_port = method == crafter::ProbeMethod::kTcp
                                   ? kDefaultTcpPort
                                   : kDefaultUdpPort;
    std::set<std::string> classic_hop_four;
    std::set<std::string> paris_hop_four;
    for (bool paris : {false, true}) {
      options.paris = paris;
      sim::BuiltinNetwork network;
      const TraceResult result = RunTrace(network, options);
      ASSERT_TRUE(result.reached);
      const std::vector<std::vector<std::string>> hops = Responders(result);
      for (const std::string& from : hops[3]) {
        (paris ? paris_hop_four : classic_hop_four).insert(from);
      }
    }
    EXPECT_EQ(classic_hop_four.size(), 2u);
    EXPECT_EQ(paris_hop_four.size(), 1u);
  }
}

// A transport and its clock on virtual time, without a network: each probe
// sent goes to `answer`, which schedules whatever datagrams the test wants
// at the times it wants; Receive hands them out in time order (in the
// order scheduled for equal times).
class ScriptedTransport final : public Transport, public Clock {
 public:
  using Answer = std::function<void(size_t index, std::span<const uint8_t>,
                                    ScriptedTransport&)>;

  explicit ScriptedTransport(Answer answer) : answer_(std::move(answer)) {}

  void Deliver(Duration after_now, std::vector<uint8_t> datagram) {
    pending_.emplace(now_ + after_now, std::move(datagram));
  }

  Result<TimePoint> Send(std::span<const uint8_t> datagram) override {
    answer_(num_sent_++, datagram, *this);
    return now_;
  }

  Result<std::optional<ReceivedDatagram>> Receive(TimePoint deadline) override {
    if (pending_.empty() || pending_.begin()->first > deadline) {
      now_ = std::max(now_, deadline);
      return std::optional<ReceivedDatagram>();
    }
    now_ = std::max(now_, pending_.begin()->first);
    current_ = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    return std::optional<ReceivedDatagram>(ReceivedDatagram{current_, now_});
  }

  TimePoint Now() const override { return now_; }

 private:
  Answer answer_;
  size_t num_sent_ = 0;
  TimePoint now_ = sim::kSimulationEpoch;
  std::multimap<TimePoint, std::vector<uint8_t>> pending_;
  std::vector<uint8_t> current_;
};

// Router h of the scripted path (RFC 5737 TEST-NET-3).
Ipv4Address ScriptedRouter(size_t hop) {
  return Ipv4Address::FromOctets(203, 0, 113, static_cast<uint8_t>(hop));
}

// The Time Exceeded `router` sends for `probe`.
std::vector<uint8_t> TimeExceededFor(Ipv4Address router,
                                     std::span<const uint8_t> probe) {
  crafter::IcmpErrorSpec spec;
  spec.source = router;
  spec.destination = kSource;
  spec.offending = probe;
  std::vector<uint8_t> out(crafter::kRfc1812MaxErrorSize);
  out.resize(crafter::BuildIcmpError(spec, out));
  return out;
}

TEST(EngineTest, ForeignBadAndLateRepliesAreCountedAndNeverShownAsHops) {
  // Hops 1 and 2 answer after 1 ms, hop 3 never does, the target (hop 4)
  // answers after 5 ms. Probes leave 10 ms apart (-z), so hop 3's probes
  // are given up 10 ms apart too, 1 s after each was sent, and the trace
  // runs until the last of them is.
  TraceOptions options = DefaultOptions();
  options.max_ttl = 4;
  options.max_in_flight = 3;
  options.send_interval = milliseconds(10);
  options.wait = seconds(1);
  options.wait_here = 0;
  options.wait_near = 0;
  const ProbeIdentity identity(options);
  // A probe of this trace, built as the engine builds it.
  auto probe = [&](size_t index) {
    std::vector<uint8_t> bytes(options.packet_size);
    crafter::BuildProbe(
        identity.SpecFor(index, static_cast<uint8_t>(index / 3 + 1), 1), bytes);
    return bytes;
  };
  ScriptedTransport transport([&](size_t index, std::span<const uint8_t> sent,
                                  ScriptedTransport& script) {
    const size_t hop = index / 3 + 1;
    if (hop <= 2) {
      script.Deliver(milliseconds(1),
                     TimeExceededFor(ScriptedRouter(hop), sent));
    }
    if (hop == 4) {
      std::vector<uint8_t> reply(sent.size());
      reply.resize(crafter::BuildEchoReply(sent, 64, 0, reply));
      script.Deliver(milliseconds(5), std::move(reply));
    }
    if (index == 6) {
      // Spoofed: quoting a probe beyond the trace's last, and one of hop 4
      // not sent yet.
      script.Deliver(milliseconds(1),
                     TimeExceededFor(ScriptedRouter(3), probe(100)));
      script.Deliver(milliseconds(1),
                     TimeExceededFor(ScriptedRouter(3), probe(10)));
      // Bad checksum: hop 3's own probe, one bit of the ICMP checksum off.
      std::vector<uint8_t> bad = TimeExceededFor(ScriptedRouter(3), sent);
      bad[crafter::kIpv4MinHeaderSize + crafter::kIcmpChecksumOffset] ^= 1;
      script.Deliver(milliseconds(2), std::move(bad));
    }
    if (index == 7) {
      // Late: hop 3's second probe, 1 ms after it was given up.
      script.Deliver(seconds(1) + milliseconds(1),
                     TimeExceededFor(ScriptedRouter(3), sent));
    }
  });
  Engine engine(transport, transport, options);
  auto result = engine.Run();

  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::string router1 = ScriptedRouter(1).ToString();
  const std::string router2 = ScriptedRouter(2).ToString();
  const std::string target = kTarget.ToString();
  EXPECT_THAT(Responders(*result),
              ElementsAre(ElementsAre(router1, router1, router1),
                          ElementsAre(router2, router2, router2),
                          ElementsAre("*", "*", "*"),
                          ElementsAre(target, target, target)));
  EXPECT_TRUE(result->reached);
  const TraceCounters& counters = result->counters;
  EXPECT_EQ(counters.num_sent, 12u);
  EXPECT_EQ(counters.num_received, 13u);
  EXPECT_EQ(counters.num_unmatched, 2u);
  EXPECT_EQ(counters.num_bad_checksum, 1u);
  EXPECT_EQ(counters.num_late, 1u);
  EXPECT_EQ(counters.num_not_replies, 0u);
}

struct InvalidOptionsCase {
  const char* name;
  std::function<void(TraceOptions&)> change;
  const char* message;
};

TEST(ValidateTraceOptionsTest, NamesTheOptionAndItsRange) {
  const InvalidOptionsCase cases[] = {
      {"first_ttl_zero", [](TraceOptions& o) { o.first_ttl = 0; },
       "first TTL (-f) must be 1..255, got 0"},
      {"first_above_max",
       [](TraceOptions& o) {
         o.first_ttl = 9;
         o.max_ttl = 3;
       },
       "first TTL (-f) 9 exceeds max TTL (-m) 3"},
      {"queries_eleven", [](TraceOptions& o) { o.num_queries = 11; },
       "probes per hop (-q) must be 1..10, got 11"},
      {"window_zero", [](TraceOptions& o) { o.max_in_flight = 0; },
       "probes in flight (-N) must be at least 1, got 0"},
      {"wait_zero", [](TraceOptions& o) { o.wait = Duration::zero(); },
       "wait (-w) must be more than 0 seconds"},
      {"packet_too_small", [](TraceOptions& o) { o.packet_size = 27; },
       "packet length must be 28..65000 for icmp probes, got 27"},
  };
  EXPECT_EQ(ValidateTraceOptions(DefaultOptions()), "");
  for (const InvalidOptionsCase& c : cases) {
    TraceOptions options = DefaultOptions();
    c.change(options);
    EXPECT_EQ(ValidateTraceOptions(options), c.message) << c.name;
  }
}

TEST(ValidateTraceOptionsTest, KeepsEveryCountedPortOfATraceBelow65536) {
  // 30 TTLs of 3 probes and one re-ask each: up to 120 probes, one port
  // each, so -p (UDP) and --sport (TCP) may be at most 65536 - 120.
  TraceOptions udp = DefaultOptions();
  udp.method = crafter::ProbeMethod::kUdp;
  EXPECT_EQ(MaxProbesPerTrace(udp), 120u);
  udp.destination_port = 65416;
  EXPECT_EQ(ValidateTraceOptions(udp), "");
  udp.destination_port = 65530;
  EXPECT_EQ(ValidateTraceOptions(udp),
            "-p 65530 leaves 6 ports up to 65535, but one trace may send 120 "
            "probes (30 TTLs x (-q 3 + --limit-retries 1)), one port each: "
            "-p must be at most 65416");

  TraceOptions tcp = DefaultOptions();
  tcp.method = crafter::ProbeMethod::kTcp;
  tcp.destination_port = kDefaultTcpPort;
  tcp.first_ttl = 10;
  tcp.max_ttl = 12;
  tcp.num_queries = 1;
  tcp.limit_retries = 0;
  tcp.source_port = 65533;
  EXPECT_EQ(ValidateTraceOptions(tcp), "");
  tcp.source_port = 65534;
  EXPECT_EQ(ValidateTraceOptions(tcp),
            "--sport 65534 leaves 2 ports up to 65535, but one trace may "
            "send 3 probes (3 TTLs x (-q 1 + --limit-retries 0)), one port "
            "each: --sport must be at most 65533");

  // Paris probes keep their ports; ICMP probes have none.
  udp.paris = true;
  EXPECT_EQ(ValidateTraceOptions(udp), "");
  tcp.paris = true;
  EXPECT_EQ(ValidateTraceOptions(tcp), "");
}

TEST(ValidateTraceOptionsTest, ReportCyclesNeedPortsForTwoCyclesInARow) {
  // -q 1 and one re-ask: 60 probes a cycle, 120 for two.
  TraceOptions udp = DefaultOptions();
  udp.method = crafter::ProbeMethod::kUdp;
  udp.num_queries = 1;
  udp.destination_port = 65450;
  EXPECT_EQ(ValidateTraceOptions(udp, 1), "");
  EXPECT_EQ(ValidateTraceOptions(udp, 2),
            "-p 65450 leaves 86 ports up to 65535, but two report cycles in "
            "a row may send 120 probes (2 x 30 TTLs x (-q 1 + "
            "--limit-retries 1)), one port each: -p must be at most 65416");
  udp.destination_port = 65416;
  EXPECT_EQ(ValidateTraceOptions(udp, 100000), "");
}

}  // namespace
}  // namespace hoplab::trace
