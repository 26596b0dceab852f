#include "trace/engine.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "crafter/check.h"
#include "crafter/icmp.h"
#include "crafter/probe_template.h"
#include "crafter/reply_view.h"
#include "trace/probe_identity.h"
#include "trace/reply_outcome.h"

namespace hoplab::trace {

using crafter::ReplyKind;

Engine::Engine(Transport& transport, const Clock& clock, TraceOptions options)
    : transport_(transport),
      clock_(clock),
      options_(std::move(options)),
      identity_(options_),
      probes_template_(MakeTemplate(identity_, options_)) {
  const size_t num_hops = size_t{options_.max_ttl} - options_.first_ttl + 1;
  end_ = num_hops * static_cast<size_t>(options_.num_queries);
  probes_.resize(end_);
  states_.assign(end_, ProbeState::kUnsent);
  number_of_.resize(end_);
  retries_over_ = options_.limit_retries == 0;
  buffer_.resize(options_.packet_size);
  result_.hops.reserve(num_hops);
}

crafter::ProbeTemplate Engine::MakeTemplate(const ProbeIdentity& identity,
                                            const TraceOptions& options) {
  HOPLAB_CHECK(ValidateTraceOptions(options).empty());
  std::optional<crafter::ProbeTemplate> probes =
      crafter::ProbeTemplate::Create(identity.SpecFor(0, options.first_ttl, 1));
  HOPLAB_CHECK(probes.has_value());
  return *std::move(probes);
}

uint8_t Engine::TtlOf(size_t index) const {
  return static_cast<uint8_t>(options_.first_ttl +
                              index / size_t(options_.num_queries));
}

Result<TraceResult> Engine::Run() {
  do {
    while (!AllDone()) {
      if (StopRequested()) {
        StopNow();
        return Error{"interrupted"};
      }
      // Step 1: keep up to -N probes in flight, in TTL order, at least -z
      // apart; then the re-asks that are due.
      if (Status sent = SendDue(); !sent.ok()) {
        return Error{sent.message()};
      }

      // Step 2: wait for a reply until the oldest probe in flight expires
      // or the next probe is due.
      const TimePoint deadline = NextDeadline();
      auto received = transport_.Receive(deadline);
      if (!received.ok()) {
        return received.error();
      }
      // Step 3: give up on the probes whose wait ended before the latest
      // moment nothing older can still be waiting to be read: the arrival
      // of the datagram just read, or the deadline when none came. Not the
      // clock: a slowed-down process (load, sanitizers) reads replies well
      // after they arrived, and those that arrived in time still count.
      TimePoint drained_until = deadline;
      if (received->has_value()) {
        drained_until = (*received)->at;
        HandleDatagram(**received);
      }
      ExpireProbes(drained_until);
      FlushCompletedHops();
    }
    // Step 4: every probe is answered or lost; a rate-limited path gets
    // another round.
  } while (ScheduleRetryRound());
  retries_over_ = true;
  FlushCompletedHops();
  return result_;
}

Status Engine::SendDue() {
  while (CanSendMore() && NextSendTime() <= clock_.Now()) {
    if (Status sent = SendProbe(next_to_send_, next_to_send_); !sent.ok()) {
      return sent;
    }
    ++next_to_send_;
    num_sent_ = std::max(num_sent_, next_to_send_);
  }
  const TimePoint now = clock_.Now();
  while (!pending_retries_.empty() &&
         NumInWindow() < size_t(options_.max_in_flight) &&
         pending_retries_.front().at <= now) {
    const size_t slot = pending_retries_.front().slot;
    if (Status sent = SendProbe(slot, num_sent_ + retry_slots_.size());
        !sent.ok()) {
      return sent;
    }
    retry_slots_.push_back(slot);
    pending_retries_.erase(pending_retries_.begin());
  }
  return Status::Ok();
}

Status Engine::SendProbe(size_t slot, size_t number) {
  const uint16_t ip_id = ProbeIdentity::IpIdFor(options_.first_ip_id, number);
  const crafter::ProbeSpec spec = identity_.SpecFor(number, TtlOf(slot), ip_id);
  // The template writes what BuildProbe(spec) writes, byte for byte
  // (tests/crafter/probe_template_test.cc), patching a few fields instead
  // of building the datagram again.
  const size_t size =
      probes_template_.Build(crafter::ProbeVariant::Of(spec), buffer_);
  HOPLAB_CHECK(size == options_.packet_size);

  auto sent_at = transport_.Send(std::span(buffer_.data(), size));
  if (!sent_at.ok()) {
    return sent_at.error();
  }
  if (result_.counters.num_sent == 0) {
    first_sent_at_ = *sent_at;
  }
  probes_[slot].ttl = spec.ttl;
  probes_[slot].sent_at = *sent_at;
  last_sent_at_ = *sent_at;
  states_[slot] = ProbeState::kInFlight;
  number_of_[slot] = number;
  ++num_in_flight_;
  ++result_.counters.num_sent;
  return Status::Ok();
}

size_t Engine::NumHopsBelowLastAnswer() const {
  for (size_t i = end_; i > 0; --i) {
    if (states_[i - 1] == ProbeState::kAnswered) {
      return (i - 1) / size_t(options_.num_queries);
    }
  }
  return 0;
}

bool Engine::ShowsRateLimit(size_t num_hops_below) const {
  // A limit shows below the last hop that answered as a hop that answered
  // some probes and lost others, or as several silent hops: routers whose
  // buckets one earlier trace emptied all at once. One silent hop alone is
  // taken for a router that never answers. Probes in flight count as
  // neither.
  const size_t queries = size_t(options_.num_queries);
  size_t num_silent = 0;
  for (size_t hop = 0; hop < num_hops_below; ++hop) {
    const auto first = states_.begin() + ptrdiff_t(hop * queries);
    const auto last = first + ptrdiff_t(queries);
    const auto num_answered =
        size_t(std::count(first, last, ProbeState::kAnswered));
    const auto num_lost = size_t(std::count(first, last, ProbeState::kLost));
    if (num_answered > 0 && num_lost > 0) {
      return true;
    }
    num_silent += num_lost == queries ? 1 : 0;
  }
  return num_silent >= 2;
}

bool Engine::ScheduleRetryRound() {
  if (retries_over_ || num_retry_rounds_ >= options_.limit_retries ||
      StopRequested()) {
    return false;
  }
  const size_t num_hops_below = NumHopsBelowLastAnswer();
  if (!ShowsRateLimit(num_hops_below)) {
    return false;
  }

  // One lost probe per hop not yet passed on, once the hop's bucket has
  // had a refill interval since its last probe, and not at or past -w
  // after the first probe.
  const size_t queries = size_t(options_.num_queries);
  const auto answered = [&](size_t i) {
    return states_[i] == ProbeState::kAnswered;
  };
  const TimePoint now = clock_.Now();
  for (size_t hop = result_.hops.size(); hop < num_hops_below; ++hop) {
    const size_t start = hop * queries;
    std::optional<size_t> lost;
    TimePoint last_sent;
    for (size_t i = start; i < start + queries; ++i) {
      last_sent = std::max(last_sent, probes_[i].sent_at);
      if (!lost && !answered(i)) {
        lost = i;
      }
    }
    const TimePoint at = std::max(now, last_sent + kLimitRefillInterval);
    if (lost && at < first_sent_at_ + options_.wait) {
      pending_retries_.push_back(PendingRetry{*lost, at});
    }
  }
  std::stable_sort(
      pending_retries_.begin(), pending_retries_.end(),
      [](const PendingRetry& a, const PendingRetry& b) { return a.at < b.at; });
  ++num_retry_rounds_;
  return !pending_retries_.empty();
}

void Engine::HandleDatagram(const ReceivedDatagram& datagram) {
  TraceCounters& counters = result_.counters;
  ++counters.num_received;
  // Every datagram is parsed, few are kept: the view reads the reply in
  // place, and the extension objects are read only for a kept one.
  crafter::ReplyView view;
  if (crafter::ParseReplyView(datagram.bytes, &view).has_value()) {
    ++counters.num_not_replies;
    return;
  }
  crafter::Reply* reply = &view.reply;
  if (!reply->checksum_ok) {
    ++counters.num_bad_checksum;
    return;
  }
  if (reply->kind == ReplyKind::kTimeExceeded &&
      reply->icmp_code == crafter::kTimeExceededReassembly) {
    ++counters.num_reassembly_timeouts;
    return;
  }
  if (reply->extension_checksum_bad) {
    ++counters.num_bad_extensions;
  }
  // A quote cut after the ports (only a capture's snap length does that)
  // holds fewer fields than ProbeIdentity reads; live datagrams are whole.
  if (reply->quote_truncated) {
    ++counters.num_unmatched;
    return;
  }
  const ptrdiff_t number = reply->quoted_later_fragment
                               ? MatchFragmentQuote(*reply)
                               : MatchProbe(*reply);
  if (number < 0) {
    ++counters.num_unmatched;
    return;
  }
  const size_t slot = SlotOf(size_t(number));
  if (slot >= end_) {
    ++counters.num_past_last_hop;
    return;
  }
  // A reply to a probe given up on and since re-asked is late too.
  if (states_[slot] != ProbeState::kInFlight ||
      number_of_[slot] != size_t(number)) {
    ++counters.num_late;
    return;
  }
  reply->extensions = crafter::ReadExtensions(view);
  RecordReply(slot, *reply, datagram.at);
}

size_t Engine::SlotOf(size_t number) const {
  return number < num_sent_ ? number : retry_slots_[number - num_sent_];
}

ptrdiff_t Engine::MatchProbe(const crafter::Reply& reply) const {
  crafter::ProbeKey key = reply.probe;
  // A host may answer from another of its addresses; an ICMP error quotes
  // the destination the probe was sent to.
  if (reply.kind == ReplyKind::kEchoReply ||
      reply.kind == ReplyKind::kTcpSynAck ||
      reply.kind == ReplyKind::kTcpReset) {
    key.destination = options_.destination;
  }
  const std::optional<size_t> index = identity_.IndexOf(key);
  return index.has_value() && *index < num_sent_ + retry_slots_.size()
             ? ptrdiff_t(*index)
             : -1;
}

ptrdiff_t Engine::MatchFragmentQuote(const crafter::Reply& reply) const {
  // RFC 791: fragments of one datagram share its source, destination,
  // protocol and identification, and only the first carries the transport
  // header. A router past a link that fragmented a probe may quote a later
  // fragment (Linux routers quote only the first, others any), so the
  // destination, protocol and the IP id SendProbe gave probe number k name
  // the probe. The quoted source is not compared, as MatchProbe does not:
  // a NAT on the way rewrites it.
  if (reply.probe.destination != options_.destination ||
      reply.probe.method != options_.method) {
    return -1;
  }
  const std::optional<size_t> number =
      ProbeIdentity::NumberOfIpId(options_.first_ip_id, reply.quoted_ip_id);
  return number.has_value() && *number < num_sent_ + retry_slots_.size()
             ? ptrdiff_t(*number)
             : -1;
}

void Engine::RecordReply(size_t index, const crafter::Reply& reply,
                         TimePoint at) {
  RecordAnswer(reply, at, &probes_[index]);
  states_[index] = ProbeState::kAnswered;
  --num_in_flight_;

  if (index < end_ && FromDestination(reply, options_.destination)) {
    result_.reached = true;
  }
  if (!EndsTrace(reply)) {
    return;
  }
  // The trace ends with this hop; probes sent beyond it are abandoned.
  const size_t queries = size_t(options_.num_queries);
  const size_t hop_end = (index / queries + 1) * queries;
  if (hop_end >= end_) {
    return;
  }
  for (size_t i = hop_end; i < next_to_send_; ++i) {
    if (states_[i] == ProbeState::kInFlight) {
      states_[i] = ProbeState::kLost;
      --num_in_flight_;
    }
  }
  end_ = hop_end;
  next_to_send_ = std::min(next_to_send_, end_);
}

Duration Engine::WaitFor(size_t index) const {
  // traceroute(8) adds 1 ms to the round trip it scales, so that very short
  // round trips do not expire probes at once.
  constexpr Duration kWaitPrecision = std::chrono::milliseconds(1);
  const auto scaled = [&](Duration rtt, double factor) {
    return std::min(options_.wait, std::chrono::duration_cast<Duration>(
                                       (rtt + kWaitPrecision) * factor));
  };
  const size_t queries = size_t(options_.num_queries);
  const size_t hop_start = index / queries * queries;
  if (options_.wait_here > 0) {
    for (size_t i = hop_start; i < hop_start + queries; ++i) {
      if (states_[i] == ProbeState::kAnswered) {
        return scaled(probes_[i].rtt, options_.wait_here);
      }
    }
  }
  if (options_.wait_near > 0) {
    for (size_t i = hop_start + queries; i < num_sent_; ++i) {
      if (states_[i] == ProbeState::kAnswered) {
        return scaled(probes_[i].rtt, options_.wait_near);
      }
    }
  }
  return options_.wait;
}

template <typename Visit>
void Engine::ForEachInFlight(Visit visit) const {
  for (size_t i = oldest_pending_; i < next_to_send_; ++i) {
    if (states_[i] == ProbeState::kInFlight) {
      visit(i);
    }
  }
  // A slot re-asked in two rounds is listed twice; only its latest number
  // is in flight.
  for (size_t k = 0; k < retry_slots_.size(); ++k) {
    const size_t slot = retry_slots_[k];
    if (states_[slot] == ProbeState::kInFlight &&
        number_of_[slot] == num_sent_ + k) {
      visit(slot);
    }
  }
}

void Engine::ExpireProbes(TimePoint now) {
  // Step 1: the longest round trip so far. Every reply is recorded to a
  // probe at or past oldest_pending_ or to a re-ask, and this runs after
  // each one, before oldest_pending_ moves past it.
  const auto note_rtt = [&](size_t i) {
    if (states_[i] == ProbeState::kAnswered) {
      longest_rtt_ =
          std::max(longest_rtt_.value_or(Duration::zero()), probes_[i].rtt);
    }
  };
  for (size_t i = oldest_pending_; i < next_to_send_; ++i) {
    note_rtt(i);
  }
  for (size_t slot : retry_slots_) {
    note_rtt(slot);
  }

  // Step 2: give up on the probes whose wait ended; count those still
  // waiting that have left the window.
  const Duration release = WindowRelease();
  num_released_ = 0;
  released_as_of_ = now;
  ForEachInFlight([&](size_t i) {
    if (probes_[i].sent_at + WaitFor(i) <= now) {
      states_[i] = ProbeState::kLost;
      --num_in_flight_;
    } else if (probes_[i].sent_at + release <= now) {
      ++num_released_;
    }
  });
  while (oldest_pending_ < end_ &&
         (states_[oldest_pending_] == ProbeState::kAnswered ||
          states_[oldest_pending_] == ProbeState::kLost)) {
    ++oldest_pending_;
  }
}

Duration Engine::WindowRelease() const {
  if (!longest_rtt_.has_value()) {
    return std::min(options_.wait, kInitialWindowRelease);
  }
  // The same 1 ms of precision as WaitFor adds.
  constexpr Duration kPrecision = std::chrono::milliseconds(1);
  return std::min(options_.wait,
                  std::chrono::duration_cast<Duration>(
                      (*longest_rtt_ + kPrecision) * kWindowReleaseFactor));
}

size_t Engine::NumInWindow() const {
  // Between a reply and the next ExpireProbes, a released probe may have
  // been answered already.
  return num_in_flight_ > num_released_ ? num_in_flight_ - num_released_ : 0;
}

TimePoint Engine::NextDeadline() const {
  std::optional<TimePoint> deadline;
  const auto consider = [&](TimePoint at) {
    deadline = deadline ? std::min(*deadline, at) : at;
  };
  const bool window_full = NumInWindow() >= size_t(options_.max_in_flight);
  const bool waiting_to_send =
      next_to_send_ < end_ || !pending_retries_.empty();
  const Duration release = WindowRelease();
  ForEachInFlight([&](size_t i) {
    const TimePoint expiry = probes_[i].sent_at + WaitFor(i);
    consider(expiry);
    // With the window full, the next probe may leave when one of the
    // window's probes leaves it.
    const TimePoint released = probes_[i].sent_at + release;
    if (window_full && waiting_to_send && released > released_as_of_ &&
        released < expiry) {
      consider(released);
    }
  });
  if (CanSendMore()) {
    consider(NextSendTime());
  }
  if (!pending_retries_.empty() &&
      NumInWindow() < size_t(options_.max_in_flight)) {
    consider(pending_retries_.front().at);
  }
  return deadline.value_or(clock_.Now());
}

bool Engine::CanSendMore() const {
  return next_to_send_ < end_ && NumInWindow() < size_t(options_.max_in_flight);
}

TimePoint Engine::NextSendTime() const {
  // Nothing holds back the first probe. The epoch, not clock_.Now(): Run
  // compares this with a second reading of a clock that moves, and the
  // order in which the two are read is unspecified.
  return num_sent_ == 0 ? TimePoint() : last_sent_at_ + options_.send_interval;
}

bool Engine::AllDone() const {
  return oldest_pending_ >= end_ && num_in_flight_ == 0 &&
         pending_retries_.empty();
}

bool Engine::HopFinal(size_t hop_start) const {
  const auto first = states_.begin() + ptrdiff_t(hop_start);
  // A re-asked probe may be in flight past oldest_pending_.
  if (std::find(first, first + options_.num_queries, ProbeState::kInFlight) !=
      first + options_.num_queries) {
    return false;
  }
  if (retries_over_) {
    return true;
  }
  const bool all_answered = std::all_of(
      first, first + options_.num_queries,
      [](ProbeState state) { return state == ProbeState::kAnswered; });
  return all_answered || !ShowsRateLimit(NumHopsBelowLastAnswer());
}

void Engine::StopNow() {
  retries_over_ = true;
  pending_retries_.clear();
  result_.interrupted = true;
  // The hops kept: those up to the one under way (the first not finished)
  // and beyond it only up to the last hop with an answer. Probes the
  // window sent ahead into silence show nothing about the path, and -m
  // lines of stars would hide where the trace stood.
  const size_t queries = size_t(options_.num_queries);
  const auto hop_end_of = [queries](size_t index) {
    return (index / queries + 1) * queries;
  };
  const size_t sent_hops_end =
      (next_to_send_ + queries - 1) / queries * queries;
  size_t keep_end = oldest_pending_ < end_ ? hop_end_of(oldest_pending_) : end_;
  for (size_t i = std::min(end_, next_to_send_); i > keep_end; --i) {
    if (states_[i - 1] == ProbeState::kAnswered) {
      keep_end = hop_end_of(i - 1);
      break;
    }
  }
  end_ = std::min({end_, sent_hops_end, keep_end});
  for (size_t i = 0; i < end_; ++i) {
    if (states_[i] == ProbeState::kInFlight ||
        states_[i] == ProbeState::kUnsent) {
      if (states_[i] == ProbeState::kUnsent) {
        probes_[i].ttl = TtlOf(i);
      }
      states_[i] = ProbeState::kLost;
    }
  }
  num_in_flight_ = 0;
  num_released_ = 0;
  oldest_pending_ = end_;
  FlushCompletedHops();
}

void Engine::FlushCompletedHops() {
  const size_t queries = size_t(options_.num_queries);
  while (true) {
    const size_t hop_end = (result_.hops.size() + 1) * queries;
    if (hop_end > end_ || hop_end > oldest_pending_ ||
        !HopFinal(hop_end - queries)) {
      return;
    }
    Hop hop;
    hop.ttl = TtlOf(hop_end - queries);
    hop.probes.assign(probes_.begin() + ptrdiff_t(hop_end - queries),
                      probes_.begin() + ptrdiff_t(hop_end));
    result_.hops.push_back(std::move(hop));
    if (on_hop_) {
      on_hop_(result_.hops.back());
    }
  }
}

}  // namespace hoplab::trace
