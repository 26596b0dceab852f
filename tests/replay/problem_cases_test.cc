// The problem cases (captures/c*.pcap, from the project's shared/cases
// set): each capture read as `hoplab replay` reads it (CaptureReader,
// StripLinkLayer, TraceRebuilder), and the right result its README gives
// asserted field by field. captures/MANIFEST replays the same files
// through the binary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "crafter/captured_probe.h"
#include "crafter/icmp.h"
#include "crafter/icmp_error.h"
#include "crafter/probe.h"
#include "crafter/reply.h"
#include "replay/capture_reader.h"
#include "replay/link_layer.h"
#include "replay/trace_rebuilder.h"
#include "trace/reply_outcome.h"

namespace hoplab::replay {
namespace {

using crafter::Ipv4Address;
using crafter::ReplyKind;
using testing::HasSubstr;

// What replaying one capture gave.
struct Replayed {
  std::vector<RebuiltTrace> traces;
  RebuildCounters counters;
  std::vector<WrongProbeChecksum> wrong_checksums;
  // Records the rebuilder called malformed, and why.
  std::vector<std::string> malformed;
  // Records of an EtherType nothing here decodes.
  uint64_t num_unknown = 0;
  uint64_t num_noise = 0;
};

Replayed Replay(const std::string& name, RebuildOptions options = {},
                LinkOptions link = {}) {
  Replayed out;
  auto reader = CaptureReader::Open("captures/" + name);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  if (!reader.ok()) {
    return out;
  }
  TraceRebuilder rebuilder(options);
  while (true) {
    auto next = (*reader)->Next();
    EXPECT_TRUE(next.ok()) << next.error().message;
    if (!next.ok() || !next->has_value()) {
      break;
    }
    const CaptureRecord& record = **next;
    EXPECT_EQ(record.problem, "") << name << " record " << record.number;
    auto payload = StripLinkLayer(record.link_type, record.bytes, link);
    EXPECT_TRUE(payload.ok()) << name << " record " << record.number;
    if (!payload.ok()) {
      continue;
    }
    if (payload->kind == LinkPayloadKind::kUnknown) {
      ++out.num_unknown;
    } else if (payload->kind == LinkPayloadKind::kNoise) {
      ++out.num_noise;
    } else if (auto bad =
                   rebuilder.Add(record.at, payload->datagram, record.number)) {
      out.malformed.push_back(*bad);
    }
  }
  out.traces = rebuilder.Rebuild();
  out.counters = rebuilder.counters();
  out.wrong_checksums = rebuilder.wrong_probe_checksums();
  return out;
}

// The checksum of every datagram of capture `name` that crafter::ParseProbe
// reads as a probe, in capture order.
std::vector<crafter::ProbeChecksum> ProbeChecksums(const std::string& name) {
  std::vector<crafter::ProbeChecksum> out;
  auto reader = CaptureReader::Open("captures/" + name);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  if (!reader.ok()) {
    return out;
  }
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok() || !next->has_value()) {
      break;
    }
    auto payload = StripLinkLayer((**next).link_type, (**next).bytes, {});
    if (payload.ok() && payload->kind == LinkPayloadKind::kIpv4) {
      if (auto probe = crafter::ParseProbe(payload->datagram); probe.ok()) {
        out.push_back(probe->checksum);
      }
    }
  }
  return out;
}

crafter::ProbeChecksum Checksum(crafter::ProbeChecksumState state,
                                uint16_t found, uint16_t expected) {
  return crafter::ProbeChecksum{state, found, expected};
}

Ipv4Address Address(const char* text) { return *Ipv4Address::Parse(text); }

// "ttl responder" per probe, "ttl *" for one nothing answered: the
// README's expected lines without the times.
std::vector<std::string> Probes(const RebuiltTrace& trace) {
  std::vector<std::string> out;
  for (const trace::Hop& hop : trace.result.hops) {
    for (const trace::ProbeResult& probe : hop.probes) {
      out.push_back(std::to_string(hop.ttl) + " " +
                    (probe.from ? probe.from->ToString() : "*"));
    }
  }
  return out;
}

double Milliseconds(const trace::ProbeResult& probe) {
  return std::chrono::duration<double, std::milli>(probe.rtt).count();
}

TEST(ProblemCaseTest, C05ReassemblyTimeoutIsNoHopButIsReportedWithItsProbe) {
  const Replayed run = Replay("c05-frag-reassembly-timeout.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  EXPECT_THAT(Probes(trace), testing::ElementsAre("6 *"));
  EXPECT_FALSE(trace.result.reached);
  // The two fragments make one 2000-byte probe.
  EXPECT_EQ(trace.packet_size, 2000);
  EXPECT_EQ(trace.result.counters.num_sent, 1u);
  EXPECT_EQ(trace.result.counters.num_received, 0u);
  EXPECT_EQ(trace.result.counters.num_reassembly_timeouts, 1u);
  ASSERT_EQ(trace.reassembly_timeouts.size(), 1u);
  EXPECT_EQ(trace.reassembly_timeouts[0].from, Address("203.0.113.5"));
  EXPECT_EQ(trace.reassembly_timeouts[0].probe_ttl, 6);
  EXPECT_EQ(run.counters.num_reassembly_timeouts, 1u);
  EXPECT_EQ(run.counters.num_unmatched, 0u);
}

TEST(ProblemCaseTest, C05QuoteOfALaterFragmentMatchesByIpIdNeverByPorts) {
  const Replayed run = Replay("c05-quote-nonfirst-fragment.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  EXPECT_THAT(Probes(run.traces[0]), testing::ElementsAre("4 198.51.100.4"));
  EXPECT_FALSE(run.traces[0].result.reached);
  EXPECT_EQ(run.counters.num_unmatched, 0u);
}

TEST(ProblemCaseTest, C07ForeignIcmpIsCountedAndNeverAHop) {
  const Replayed run = Replay("c07-foreign-icmp.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  EXPECT_EQ(trace.destination, Address("203.0.113.5"));
  EXPECT_THAT(Probes(trace),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 198.51.100.3", "4 *", "5 *"));
  EXPECT_FALSE(trace.result.reached);
  EXPECT_EQ(trace.result.counters.num_sent, 5u);
  EXPECT_EQ(trace.result.counters.num_received, 3u);
  // Ignored as foreign ICMP: the port unreachable for DNS, the other
  // ping's Echo Reply and the Time Exceeded for its echo quote no probe of
  // the capture; the Echo Request from 203.0.113.50 carrying our id
  // arrived at the tracing host, so it is no probe and no response. This
  // host's Echo Reply to it is its own traffic, neither probe nor reply.
  EXPECT_EQ(run.counters.num_foreign, 4u);
  EXPECT_EQ(run.counters.num_probes, 5u);
  EXPECT_EQ(run.counters.num_replies, 3u);
  EXPECT_EQ(run.counters.num_other, 1u);
  EXPECT_EQ(run.counters.num_datagrams, 13u);
  EXPECT_EQ(run.counters.num_unmatched, 0u);
  EXPECT_EQ(run.counters.num_duplicate, 0u);
}

// Bytes of one datagram, for the direction tests.
using Datagram = std::vector<uint8_t>;

Datagram EchoRequest(const char* from, const char* to, uint8_t ttl, uint16_t id,
                     uint16_t sequence) {
  crafter::ProbeSpec spec;
  spec.source = Address(from);
  spec.destination = Address(to);
  spec.ttl = ttl;
  spec.icmp_id = id;
  spec.icmp_sequence = sequence;
  Datagram out(spec.packet_size);
  EXPECT_EQ(crafter::BuildProbe(spec, out), out.size());
  return out;
}

Datagram EchoReplyTo(const Datagram& request) {
  Datagram out(request.size());
  EXPECT_EQ(crafter::BuildEchoReply(request, 64, 0x4242, out), out.size());
  return out;
}

Datagram TimeExceededFor(const Datagram& probe, const char* router) {
  crafter::IcmpErrorSpec spec;
  spec.source = Address(router);
  spec.destination = Address("192.0.2.10");
  spec.offending = probe;
  Datagram out(crafter::kRfc1812MaxErrorSize);
  out.resize(crafter::BuildIcmpError(spec, out));
  EXPECT_FALSE(out.empty());
  return out;
}

// The rule behind c07: the direction of a packet decides whether it can
// be a probe. 192.0.2.10 traces 203.0.113.5 (routers answer TTL 1 and 2);
// Echo Requests that arrive at it, with any identifier (its own trace's
// too) and any TTL, even a run of them with rising TTLs from a host that
// traces towards it, are foreign: no probe, no response, no trace. Its
// own Echo Replies to them are no probes and no replies either.
TEST(ProblemCaseTest, AnEchoRequestArrivingAtTheTracingHostIsNeverAProbe) {
  const Datagram first = EchoRequest("192.0.2.10", "203.0.113.5", 1, 0x1a2b, 1);
  const Datagram second =
      EchoRequest("192.0.2.10", "203.0.113.5", 2, 0x1a2b, 2);
  struct Inbound {
    const char* from;
    uint8_t ttl;
    uint16_t id;
    uint16_t sequence;
  };
  const std::vector<Inbound> inbound = {
      {"203.0.113.50", 52, 0x1a2b, 1},  // Our id and a sequence we sent.
      {"203.0.113.50", 52, 0x1a2b, 2},
      {"203.0.113.5", 60, 0x1a2b, 3},  // From our target, our id.
      {"203.0.113.51", 64, 0x0000, 0},
      {"203.0.113.51", 128, 0xffff, 0xffff},
      {"198.51.100.7", 1, 0x7777, 1},  // A trace towards us: TTL 1, 2, 3.
      {"198.51.100.7", 2, 0x7777, 2},
      {"198.51.100.7", 3, 0x7777, 3},
  };
  TraceRebuilder rebuilder;
  trace::TimePoint at;
  const auto add = [&](const Datagram& datagram) {
    at += std::chrono::milliseconds(10);
    EXPECT_FALSE(rebuilder.Add(at, datagram).has_value());
  };
  add(first);
  add(TimeExceededFor(first, "192.0.2.1"));
  for (const Inbound& in : inbound) {
    const Datagram request =
        EchoRequest(in.from, "192.0.2.10", in.ttl, in.id, in.sequence);
    add(request);
    add(EchoReplyTo(request));
  }
  add(second);
  add(TimeExceededFor(second, "192.0.2.2"));

  const std::vector<RebuiltTrace> traces = rebuilder.Rebuild();
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces[0].source, Address("192.0.2.10"));
  EXPECT_THAT(Probes(traces[0]),
              testing::ElementsAre("1 192.0.2.1", "2 192.0.2.2"));
  const RebuildCounters& counters = rebuilder.counters();
  EXPECT_EQ(counters.num_probes, 2u);
  EXPECT_EQ(counters.num_replies, 2u);
  EXPECT_EQ(counters.num_foreign, inbound.size());
  EXPECT_EQ(counters.num_other, inbound.size());
  EXPECT_EQ(counters.num_unmatched, 0u);
  EXPECT_EQ(counters.num_duplicate, 0u);
}

// Without a Time Exceeded to tell which host traces, the sources of
// probes that look like a trace are the tracing hosts: an Echo Request
// from elsewhere to one is still foreign, and one between two tracing
// hosts keeps its shape.
TEST(ProblemCaseTest, WithoutRouterRepliesTheSourcesOfTracesDecideDirection) {
  TraceRebuilder rebuilder;
  trace::TimePoint at;
  const auto add = [&](const Datagram& datagram) {
    at += std::chrono::milliseconds(10);
    EXPECT_FALSE(rebuilder.Add(at, datagram).has_value());
  };
  for (uint8_t ttl = 1; ttl <= 3; ++ttl) {
    add(EchoRequest("192.0.2.10", "203.0.113.5", ttl, 0x0101, ttl));
  }
  const Datagram request =
      EchoRequest("203.0.113.50", "192.0.2.10", 52, 0x0101, 2);
  add(request);
  add(EchoReplyTo(request));
  // A UDP datagram arriving at the host (a DNS answer) is no probe
  // either; it is other traffic, not ICMP.
  crafter::ProbeSpec dns;
  dns.method = crafter::ProbeMethod::kUdp;
  dns.source = Address("203.0.113.53");
  dns.destination = Address("192.0.2.10");
  dns.ttl = 57;
  dns.source_port = 53;
  dns.destination_port = 51515;
  Datagram answer(dns.packet_size);
  ASSERT_EQ(crafter::BuildProbe(dns, answer), answer.size());
  add(answer);
  const std::vector<RebuiltTrace> traces = rebuilder.Rebuild();
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_THAT(Probes(traces[0]), testing::ElementsAre("1 *", "2 *", "3 *"));
  EXPECT_EQ(rebuilder.counters().num_probes, 3u);
  EXPECT_EQ(rebuilder.counters().num_foreign, 1u);
  EXPECT_EQ(rebuilder.counters().num_other, 2u);
}

TEST(ProblemCaseTest, C08DuplicateIsCountedApartAndALateReplyIsNoAnswer) {
  // README: with a 200 ms wait, seq 1 (answered at 255 ms) is late.
  const Replayed run = Replay("c08-late-duplicate-reply.pcap",
                              RebuildOptions{std::chrono::milliseconds(200)});
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  ASSERT_EQ(trace.result.hops.size(), 1u);
  const trace::Hop& hop = trace.result.hops[0];
  EXPECT_EQ(hop.ttl, 2);
  ASSERT_EQ(hop.probes.size(), 2u);
  EXPECT_FALSE(hop.probes[0].from.has_value());
  ASSERT_TRUE(hop.probes[1].from.has_value());
  EXPECT_EQ(*hop.probes[1].from, Address("203.0.113.5"));
  EXPECT_NEAR(Milliseconds(hop.probes[1]), 50.0, 0.001);
  EXPECT_TRUE(trace.result.reached);
  EXPECT_EQ(trace.result.counters.num_sent, 2u);
  EXPECT_EQ(trace.result.counters.num_received, 1u);
  EXPECT_EQ(run.counters.num_late, 1u);
  EXPECT_EQ(run.counters.num_duplicate, 1u);

  // Without a wait seq 1 shows its own 255 ms, never 5 ms as seq 2's,
  // and the copy still counts apart: received never exceeds sent.
  const Replayed open = Replay("c08-late-duplicate-reply.pcap");
  ASSERT_EQ(open.traces.size(), 1u);
  const trace::Hop& all = open.traces[0].result.hops[0];
  EXPECT_NEAR(Milliseconds(all.probes[0]), 255.0, 0.001);
  EXPECT_NEAR(Milliseconds(all.probes[1]), 50.0, 0.001);
  EXPECT_EQ(open.traces[0].result.counters.num_received, 2u);
  EXPECT_EQ(open.counters.num_duplicate, 1u);
  EXPECT_EQ(open.counters.num_late, 0u);
}

TEST(ProblemCaseTest, C08ALateReplyAfterTheSequenceWrapsKeepsItsOwnProbe) {
  const Replayed run = Replay("c08-sequence-wrap.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  ASSERT_EQ(trace.result.hops.size(), 2u);
  for (const trace::ProbeResult& probe : trace.result.hops[0].probes) {
    EXPECT_EQ(probe.from, Address("192.0.2.1"));
  }
  const std::vector<trace::ProbeResult>& target = trace.result.hops[1].probes;
  ASSERT_EQ(target.size(), 6u);
  for (size_t i = 0; i < target.size(); ++i) {
    EXPECT_EQ(target[i].from, Address("203.0.113.5")) << i;
    // Seq 65533 (the second TTL-2 probe) waited 750 ms; the probes after
    // the wrap got their own prompt replies.
    EXPECT_NEAR(Milliseconds(target[i]), i == 1 ? 750.0 : 1.19, 0.01) << i;
  }
  EXPECT_EQ(run.counters.num_duplicate, 0u);
  EXPECT_EQ(run.counters.num_unmatched, 0u);

  // With a 500 ms wait the late reply is lost, and still credited to no
  // probe sent after the wrap.
  const Replayed waited = Replay(
      "c08-sequence-wrap.pcap", RebuildOptions{std::chrono::milliseconds(500)});
  const auto& late = waited.traces[0].result.hops[1].probes;
  EXPECT_FALSE(late[1].from.has_value());
  EXPECT_EQ(waited.traces[0].result.counters.num_received, 11u);
  EXPECT_EQ(waited.counters.num_late, 1u);
}

TEST(ProblemCaseTest, C09EveryTcpReplyShapeEndsAtTheTarget) {
  for (const char* name : {"c09-tcp-rst-no-ack.pcap", "c09-tcp-rst-ack.pcap",
                           "c09-tcp-syn-ack.pcap"}) {
    SCOPED_TRACE(name);
    const Replayed run = Replay(name);
    ASSERT_EQ(run.traces.size(), 1u);
    const RebuiltTrace& trace = run.traces[0];
    EXPECT_THAT(Probes(trace),
                testing::ElementsAre("8 198.51.100.8", "9 203.0.113.5"));
    EXPECT_TRUE(trace.result.reached);
    const ReplyKind kind = trace.result.hops[1].probes[0].kind;
    EXPECT_EQ(kind, std::string(name).find("syn-ack") != std::string::npos
                        ? ReplyKind::kTcpSynAck
                        : ReplyKind::kTcpReset);
  }
  // The TTL-10 SYN-ACK (ack - 1 = 0x11223345) answers the TTL-10 probe,
  // not TTL 9's; the host's own RSTs are no probes and answer none.
  const Replayed run = Replay("c09-tcp-syn-ack.pcap");
  EXPECT_EQ(run.traces[0].max_ttl, 10);
  EXPECT_EQ(run.counters.num_probes, 3u);
  // The host's two RSTs are its own traffic: sent by the tracing host,
  // they are no replies.
  EXPECT_EQ(run.counters.num_replies, 3u);
  EXPECT_EQ(run.counters.num_other, 2u);
  EXPECT_EQ(run.counters.num_unmatched, 0u);
  EXPECT_EQ(run.counters.num_foreign, 0u);
  EXPECT_EQ(run.counters.num_duplicate, 0u);  // Each SYN-ACK its own probe.
  EXPECT_EQ(run.traces[0].result.counters.num_received, 2u);
}

TEST(ProblemCaseTest, C11AdminProhibitedMidPathEndsTheTraceUnreached) {
  const Replayed run = Replay("c11-admin-prohibited-mid-path.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  EXPECT_THAT(Probes(trace),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 198.51.100.3", "4 198.51.100.4"));
  const trace::ProbeResult& last = trace.result.hops[3].probes[0];
  EXPECT_EQ(last.kind, ReplyKind::kDestinationUnreachable);
  EXPECT_EQ(last.icmp_code, 10);  // Host administratively prohibited: !X.
  EXPECT_FALSE(trace.result.reached);
}

TEST(ProblemCaseTest, C11ABogusFragmentationNeededIsShownAndProbingGoesOn) {
  const Replayed run = Replay("c11-bogus-frag-needed.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  EXPECT_THAT(Probes(trace),
              testing::ElementsAre("5 198.51.100.29", "6 198.51.100.30",
                                   "7 203.0.113.5"));
  const trace::ProbeResult& bogus = trace.result.hops[1].probes[0];
  EXPECT_EQ(bogus.icmp_code, 4);
  EXPECT_EQ(bogus.next_hop_mtu, 9000);
  EXPECT_TRUE(trace.result.reached);
  // The probes kept their size: 60 bytes at every TTL.
  EXPECT_EQ(trace.packet_size, 60);
}

// The rule behind c11: Fragmentation Needed ends the trace only when the
// probe could not fit the MTU it names, for every MTU and probe size.
TEST(ProblemCaseTest,
     FragmentationNeededEndsTheTraceOnlyForAnMtuBelowTheProbe) {
  crafter::Reply reply;
  reply.kind = ReplyKind::kDestinationUnreachable;
  reply.icmp_type = 3;
  reply.icmp_code = 4;
  for (const uint16_t size : std::vector<uint16_t>{28, 60, 1500, 9000, 65000}) {
    reply.quoted_total_length = size;
    for (uint32_t mtu = 0; mtu <= 0xffff; mtu += 7) {
      reply.next_hop_mtu = static_cast<uint16_t>(mtu);
      const bool believable = mtu == 0 || mtu < size;
      EXPECT_EQ(trace::EndsTrace(reply), believable)
          << "MTU " << mtu << ", probe " << size;
      EXPECT_EQ(trace::IsBogusFragmentationNeeded(reply), !believable);
    }
    reply.next_hop_mtu = size;  // Exactly the probe's size fits.
    EXPECT_FALSE(trace::EndsTrace(reply)) << size;
  }
  // Other unreachables end the trace whatever their MTU field holds.
  reply.icmp_code = 13;
  reply.next_hop_mtu = 9000;
  reply.quoted_total_length = 60;
  EXPECT_TRUE(trace::EndsTrace(reply));
}

TEST(ProblemCaseTest, C12TheHopIsTheProbesTtlNeverTheReplyTtl) {
  const Replayed run = Replay("c12-hop-from-reply-ttl.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  ASSERT_EQ(trace.result.hops.size(), 7u);
  const uint8_t reply_ttls[] = {64, 63, 62, 61, 60, 250, 60};
  for (uint8_t k = 1; k <= 7; ++k) {
    const trace::Hop& hop = trace.result.hops[k - 1];
    EXPECT_EQ(hop.ttl, k);
    ASSERT_EQ(hop.probes.size(), 1u);
    EXPECT_EQ(hop.probes[0].from,
              Address(("198.51.100." + std::to_string(k)).c_str()));
    EXPECT_EQ(hop.probes[0].reply_ttl, reply_ttls[k - 1]);
  }
}

TEST(ProblemCaseTest, C15ARateLimitedHopLosesHalfAndNoLaterHopLosesAny) {
  const Replayed run = Replay("c15-rate-limited-hop.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  ASSERT_EQ(trace.result.hops.size(), 8u);
  for (const trace::Hop& hop : trace.result.hops) {
    ASSERT_EQ(hop.probes.size(), 6u) << int{hop.ttl};
    for (size_t round = 0; round < 6; ++round) {
      // Hop 3 answers rounds 1, 3 and 5 (seq 3, 19, 35).
      const bool answered = hop.ttl != 3 || round % 2 == 0;
      EXPECT_EQ(hop.probes[round].from.has_value(), answered)
          << "hop " << int{hop.ttl} << " round " << round + 1;
    }
  }
  EXPECT_EQ(trace.result.hops[7].probes[0].from, Address("203.0.113.5"));
  EXPECT_TRUE(trace.result.reached);
  EXPECT_EQ(trace.result.counters.num_sent, 48u);
  EXPECT_EQ(trace.result.counters.num_received, 45u);
}

TEST(ProblemCaseTest, C17IpOptionsAreSkippedThroughIhlInEveryHeader) {
  const Replayed quote = Replay("c17-options-in-outer-and-quote.pcap");
  ASSERT_EQ(quote.traces.size(), 1u);
  EXPECT_THAT(Probes(quote.traces[0]), testing::ElementsAre("5 198.51.100.5"));
  EXPECT_FALSE(quote.traces[0].result.reached);

  // A lone echo probe at TTL 3 with Record Route; the reply's ICMP header
  // starts at byte 60 (IHL 15).
  const Replayed echo = Replay("c17-record-route-echo-reply.pcap");
  ASSERT_EQ(echo.traces.size(), 1u);
  EXPECT_THAT(Probes(echo.traces[0]), testing::ElementsAre("3 203.0.113.5"));
  EXPECT_TRUE(echo.traces[0].result.reached);
  EXPECT_EQ(echo.traces[0].result.hops[0].probes[0].kind,
            ReplyKind::kEchoReply);
}

TEST(ProblemCaseTest, C18AMinimalQuoteTellsSamePortProbesApartByChecksum) {
  const Replayed run = Replay("c18-minimal-quote-payload-id.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  EXPECT_THAT(Probes(run.traces[0]),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 198.51.100.3"));
  EXPECT_EQ(run.counters.num_unmatched, 0u);
}

TEST(ProblemCaseTest, C18AQuoteCutByTheSnapLengthMatchesOnItsPorts) {
  const Replayed run = Replay("c18-truncated-quote-caplen.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  EXPECT_THAT(Probes(run.traces[0]), testing::ElementsAre("4 203.0.113.5"));
  EXPECT_TRUE(run.traces[0].result.reached);
}

// The rule behind c18: a quote holding only the ports names a probe only
// when one probe has them; with two candidates it is no hop at all.
TEST(ProblemCaseTest, APartialQuoteThatFitsTwoProbesMatchesNeither) {
  crafter::CapturedProbe a;
  a.key.method = crafter::ProbeMethod::kUdp;
  a.key.source = Address("192.0.2.10");
  a.key.destination = Address("203.0.113.5");
  a.key.source_port = 50000;
  a.key.destination_port = 33434;
  a.key.udp_checksum = 0xbb12;
  a.checksum.state = crafter::ProbeChecksumState::kCorrect;
  crafter::CapturedProbe b = a;
  b.key.udp_checksum = 0xbb11;
  crafter::Reply reply;
  reply.kind = ReplyKind::kTimeExceeded;
  reply.probe = a.key;
  reply.probe.udp_checksum = 0;
  reply.quote_truncated = true;
  EXPECT_TRUE(Answers(a, reply));
  EXPECT_TRUE(Answers(b, reply));
  reply.quote_truncated = false;
  EXPECT_FALSE(Answers(a, reply));
  // A later fragment's quote names the first fragment with its IP id.
  a.first_fragment = true;
  a.ip_id = 0x5a02;
  reply.quoted_later_fragment = true;
  reply.quoted_ip_id = 0x5a02;
  EXPECT_TRUE(Answers(a, reply));
  reply.quoted_ip_id = 0x5a03;
  EXPECT_FALSE(Answers(a, reply));
  EXPECT_FALSE(Answers(b, reply));
}

TEST(ProblemCaseTest, C20OddLengthChecksumsVerifyAndWrongOnesGetNoReply) {
  const Replayed odd = Replay("c20-odd-length-checksum.pcap");
  ASSERT_EQ(odd.traces.size(), 1u);
  EXPECT_THAT(Probes(odd.traces[0]), testing::ElementsAre("4 203.0.113.5"));
  EXPECT_TRUE(odd.traces[0].result.reached);
  EXPECT_EQ(odd.traces[0].packet_size, 35);
  EXPECT_EQ(odd.counters.num_bad_checksum, 0u);
  EXPECT_EQ(odd.counters.num_probe_checksum_wrong, 0u);
  EXPECT_TRUE(odd.wrong_checksums.empty());
  // The odd last byte 0x64 is the high half of the final word.
  EXPECT_THAT(ProbeChecksums("c20-odd-length-checksum.pcap"),
              testing::ElementsAre(Checksum(
                  crafter::ProbeChecksumState::kCorrect, 0x489b, 0x489b)));

  const Replayed wrong = Replay("c20-odd-length-wrong-checksum.pcap");
  ASSERT_EQ(wrong.traces.size(), 1u);
  EXPECT_THAT(Probes(wrong.traces[0]), testing::ElementsAre("4 *", "4 *"));
  EXPECT_FALSE(wrong.traces[0].result.reached);
  // Neither zero nor a partial sum: wrong, not offloaded. seq 1 summed
  // the last byte as the low half, seq 2 left it out.
  EXPECT_EQ(wrong.counters.num_probe_checksum_wrong, 2u);
  EXPECT_EQ(wrong.counters.num_probe_checksum_offloaded, 0u);
  ASSERT_EQ(wrong.wrong_checksums.size(), 2u);
  EXPECT_EQ(wrong.wrong_checksums[0].record, 1u);
  EXPECT_EQ(wrong.wrong_checksums[0].checksum,
            Checksum(crafter::ProbeChecksumState::kWrong, 0xac37, 0x489b));
  EXPECT_EQ(DescribeWrongChecksum(wrong.wrong_checksums[0]),
            "wrong icmp cksum ac37 (->489b)");
  EXPECT_EQ(wrong.wrong_checksums[1].record, 2u);
  EXPECT_EQ(wrong.wrong_checksums[1].checksum,
            Checksum(crafter::ProbeChecksumState::kWrong, 0xac9a, 0x489a));
  EXPECT_EQ(DescribeWrongChecksum(wrong.wrong_checksums[1]),
            "wrong icmp cksum ac9a (->489a)");
  EXPECT_EQ(wrong.wrong_checksums[1].ttl, 4);
  EXPECT_EQ(wrong.wrong_checksums[1].key.icmp_sequence, 2);
}

TEST(ProblemCaseTest, C21ChecksumsOfZeroAndAllOnesAreCorrect) {
  for (const char* name :
       {"c21-icmp-checksum-zero.pcap", "c21-udp-checksum-ffff.pcap"}) {
    SCOPED_TRACE(name);
    const Replayed run = Replay(name);
    ASSERT_EQ(run.traces.size(), 1u);
    EXPECT_THAT(Probes(run.traces[0]), testing::ElementsAre("3 203.0.113.5"));
    EXPECT_TRUE(run.traces[0].result.reached);
    EXPECT_EQ(run.traces[0].packet_size, 28);
    EXPECT_EQ(run.counters.num_bad_checksum, 0u);
    EXPECT_EQ(run.counters.num_probe_checksum_wrong, 0u);
  }
  // ICMP's computed zero is sent as zero and is correct; UDP's is sent as
  // 0xffff (RFC 768), and that is correct too.
  using crafter::ProbeChecksumState::kCorrect;
  EXPECT_THAT(ProbeChecksums("c21-icmp-checksum-zero.pcap"),
              testing::ElementsAre(Checksum(kCorrect, 0x0000, 0x0000)));
  EXPECT_THAT(ProbeChecksums("c21-udp-checksum-ffff.pcap"),
              testing::ElementsAre(Checksum(kCorrect, 0xffff, 0xffff)));
}

TEST(ProblemCaseTest, C21ATotalLengthBelowTheHeaderIsMalformedNotAProbe) {
  const Replayed run = Replay("c21-ip-total-length-8.pcap");
  EXPECT_TRUE(run.traces.empty());
  EXPECT_EQ(run.counters.num_probes, 0u);
  ASSERT_EQ(run.malformed.size(), 1u);
  EXPECT_THAT(run.malformed[0],
              HasSubstr("total length 8 is less than the 20-byte header"));
  EXPECT_THAT(run.malformed[0], HasSubstr("at byte 2"));
}

// The rule behind c21: every Total Length below the header, for every
// IHL, is malformed with the values named; the first one that holds the
// header is not.
TEST(ProblemCaseTest, EveryTotalLengthBelowItsHeaderIsReportedWithItsValues) {
  for (uint8_t ihl = 5; ihl <= 15; ++ihl) {
    std::vector<uint8_t> datagram(size_t{ihl} * 4 + 8, 0);
    datagram[0] = static_cast<uint8_t>(0x40 | ihl);
    datagram[8] = 3;  // TTL.
    datagram[9] = 1;  // ICMP.
    for (uint16_t length = 0; length <= ihl * 4; ++length) {
      datagram[2] = static_cast<uint8_t>(length >> 8);
      datagram[3] = static_cast<uint8_t>(length);
      TraceRebuilder rebuilder;
      const std::optional<std::string> bad =
          rebuilder.Add(trace::TimePoint(), datagram);
      if (length < ihl * 4) {
        ASSERT_TRUE(bad.has_value())
            << "IHL " << int{ihl} << " length " << length;
        EXPECT_THAT(*bad, HasSubstr("total length " + std::to_string(length) +
                                    " is less than the " +
                                    std::to_string(ihl * 4) + "-byte header"));
      } else {
        EXPECT_FALSE(bad.has_value()) << *bad;
      }
      EXPECT_EQ(rebuilder.counters().num_probes, 0u);
    }
  }
}

// The rule behind c17, c20 and c21: one TTL makes a trace when it is
// below any initial TTL an operating system uses; a ping (64, 128, 255)
// is not one.
TEST(ProblemCaseTest, ALoneTtlIsATraceOnlyBelowEveryInitialTtl) {
  const auto lone_echo = [](uint8_t ttl) {
    std::vector<uint8_t> probe = {
        0x45, 0x00, 0x00, 0x1c, 0x21, 0x02, 0x00, 0x00,  // IPv4, length 28
        ttl,  0x01, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a,  // TTL, ICMP, src
        0xcb, 0x00, 0x71, 0x05,                          // dst
        0x08, 0x00, 0x00, 0x00, 0xf7, 0xff, 0x00, 0x00,  // echo, sum 0
    };
    TraceRebuilder rebuilder;
    EXPECT_FALSE(rebuilder.Add(trace::TimePoint(), probe).has_value());
    return rebuilder.Rebuild().size();
  };
  for (int ttl = 1; ttl <= 255; ++ttl) {
    EXPECT_EQ(lone_echo(static_cast<uint8_t>(ttl)), ttl < 32 ? 1u : 0u)
        << "TTL " << ttl;
  }
}

TEST(ProblemCaseTest, C23OffloadedProbeChecksumsStillMatchTheirQuotes) {
  for (const char* name :
       {"c23-offload-and-padding.pcap", "c23-offload-udp-partial.pcap"}) {
    SCOPED_TRACE(name);
    const Replayed run = Replay(name);
    ASSERT_EQ(run.traces.size(), 1u);
    EXPECT_THAT(Probes(run.traces[0]),
                testing::ElementsAre("1 192.0.2.1", "2 203.0.113.5"));
    EXPECT_TRUE(run.traces[0].result.reached);
    // The probes' captured checksums (0, or the partial 0xfe49) are no
    // parse error; the replies verify over their Total Length only, the
    // 0x55 padding after it unsummed.
    EXPECT_EQ(run.counters.num_probes, 2u);
    EXPECT_EQ(run.counters.num_bad_checksum, 0u);
    EXPECT_EQ(run.counters.num_unmatched, 0u);
    // Offloaded, not wrong: nothing is reported as a wrong checksum.
    EXPECT_EQ(run.counters.num_probe_checksum_offloaded, 2u);
    EXPECT_EQ(run.counters.num_probe_checksum_wrong, 0u);
    EXPECT_TRUE(run.wrong_checksums.empty());
  }
  // The README's real values are what the quotes carry.
  using crafter::ProbeChecksumState::kOffloaded;
  EXPECT_THAT(ProbeChecksums("c23-offload-and-padding.pcap"),
              testing::ElementsAre(Checksum(kOffloaded, 0x0000, 0x3536),
                                   Checksum(kOffloaded, 0x0000, 0x3535)));
  EXPECT_THAT(ProbeChecksums("c23-offload-udp-partial.pcap"),
              testing::ElementsAre(Checksum(kOffloaded, 0xfe49, 0xdebe),
                                   Checksum(kOffloaded, 0xfe49, 0xdebd)));
}

TEST(ProblemCaseTest, C23ATrailingFcsIsNeitherSummedNorAnExtension) {
  const Replayed run = Replay("c23-trailing-fcs.pcap");
  ASSERT_EQ(run.traces.size(), 1u);
  const RebuiltTrace& trace = run.traces[0];
  EXPECT_THAT(Probes(trace),
              testing::ElementsAre("1 192.0.2.1", "2 203.0.113.5"));
  EXPECT_TRUE(trace.result.reached);
  EXPECT_EQ(trace.result.hops[0].probes[0].extensions, nullptr);
  EXPECT_EQ(run.counters.num_bad_checksum, 0u);
}

TEST(ProblemCaseTest, C25TagsAndCookedHeadersComeOffAndUnknownTypesAreCounted) {
  const Replayed qinq = Replay("c25-qinq-9100.pcap");
  ASSERT_EQ(qinq.traces.size(), 1u);
  EXPECT_THAT(Probes(qinq.traces[0]),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 203.0.113.5"));
  EXPECT_TRUE(qinq.traces[0].result.reached);

  // 0x8200 is a tag only when configured; otherwise all 6 frames are
  // unknown, counted, and no trace.
  const Replayed unknown = Replay("c25-qinq-8200.pcap");
  EXPECT_TRUE(unknown.traces.empty());
  EXPECT_EQ(unknown.num_unknown, 6u);
  const Replayed vendor =
      Replay("c25-qinq-8200.pcap", {}, LinkOptions{{0x8200}});
  ASSERT_EQ(vendor.traces.size(), 1u);
  EXPECT_EQ(Probes(vendor.traces[0]), Probes(qinq.traces[0]));
  EXPECT_TRUE(vendor.traces[0].result.reached);

  // SLL with a VLAN tag; one record of protocol 0x88b5 is skipped.
  const Replayed sll = Replay("c25-sll-vlan.pcap");
  ASSERT_EQ(sll.traces.size(), 1u);
  EXPECT_EQ(sll.traces[0].method, crafter::ProbeMethod::kUdp);
  EXPECT_THAT(Probes(sll.traces[0]),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 203.0.113.5"));
  EXPECT_EQ(sll.num_unknown, 1u);

  // SLL2 on "any": the loopback ping is decoded but is no trace.
  const Replayed sll2 = Replay("c25-sll2-any.pcap");
  ASSERT_EQ(sll2.traces.size(), 1u);
  EXPECT_EQ(sll2.traces[0].destination, Address("203.0.113.5"));
  EXPECT_THAT(Probes(sll2.traces[0]),
              testing::ElementsAre("1 198.51.100.1", "2 198.51.100.2",
                                   "3 203.0.113.5"));
  EXPECT_TRUE(sll2.traces[0].result.reached);
  EXPECT_GE(sll2.counters.num_probes, 4u);  // 3 trace probes, the ping.
}

}  // namespace
}  // namespace hoplab::replay
