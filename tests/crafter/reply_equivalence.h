// ReplyViewDisagreement: where ParseReplyView (with ReadExtensions) and
// ParseReply read the same bytes differently. Shared by the equivalence
// tests over test replies and captures, and by the reply fuzzer.

#ifndef HOPLAB_TESTS_CRAFTER_REPLY_EQUIVALENCE_H_
#define HOPLAB_TESTS_CRAFTER_REPLY_EQUIVALENCE_H_

#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "crafter/reply.h"
#include "crafter/reply_view.h"

namespace hoplab::crafter {

// Empty when both parsers fail with the same reason at the same offset, or
// both succeed with every field of the Reply equal (extension objects
// compared by value); otherwise the first field that differs, with both
// values.
inline std::string ReplyViewDisagreement(std::span<const uint8_t> datagram) {
  const Result<Reply, ParseError> full = ParseReply(datagram);
  ReplyView view;
  const std::optional<ParseError> error = ParseReplyView(datagram, &view);
  std::ostringstream out;
  if (!full.ok() || error.has_value()) {
    if (full.ok()) {
      out << "ParseReplyView failed (" << *error << "), ParseReply did not";
    } else if (!error.has_value()) {
      out << "ParseReply failed (" << full.error()
          << "), ParseReplyView did not";
    } else if (!(full.error() == *error)) {
      out << "errors differ: ParseReply " << full.error() << ", ParseReplyView "
          << *error;
    }
    return out.str();
  }
  const Reply& a = *full;
  const Reply& b = view.reply;
  const auto field = [&](std::string_view name, const auto& x, const auto& y) {
    if (out.tellp() == 0 && !(x == y)) {
      out << name << ": ParseReply " << +x << ", ParseReplyView " << +y;
    }
  };
  field("kind", static_cast<int>(a.kind), static_cast<int>(b.kind));
  field("icmp_type", a.icmp_type, b.icmp_type);
  field("icmp_code", a.icmp_code, b.icmp_code);
  field("responder", a.responder.value(), b.responder.value());
  field("local", a.local.value(), b.local.value());
  field("reply_ttl", a.reply_ttl, b.reply_ttl);
  field("quoted_ttl", a.quoted_ttl, b.quoted_ttl);
  field("quote_size", a.quote_size, b.quote_size);
  field("quoted_total_length", a.quoted_total_length, b.quoted_total_length);
  field("quoted_ip_id", a.quoted_ip_id, b.quoted_ip_id);
  field("quoted_later_fragment", a.quoted_later_fragment,
        b.quoted_later_fragment);
  field("quote_truncated", a.quote_truncated, b.quote_truncated);
  field("extension_checksum_bad", a.extension_checksum_bad,
        b.extension_checksum_bad);
  field("next_hop_mtu", a.next_hop_mtu, b.next_hop_mtu);
  field("checksum_ok", a.checksum_ok, b.checksum_ok);
  if (out.tellp() == 0 && !(a.probe == b.probe)) {
    out << "probe: ParseReply " << a.probe << ", ParseReplyView " << b.probe;
  }
  if (out.tellp() != 0) {
    return out.str();
  }
  if (b.extensions != nullptr) {
    return "ParseReplyView filled extensions";
  }
  const std::shared_ptr<const IcmpExtensions> extensions = ReadExtensions(view);
  if ((a.extensions == nullptr) != (extensions == nullptr)) {
    out << "extensions: ParseReply " << (a.extensions ? "some" : "none")
        << ", ReadExtensions " << (extensions ? "some" : "none");
  } else if (extensions != nullptr && !(*a.extensions == *extensions)) {
    out << "extensions differ (offset " << a.extensions->offset << " and "
        << extensions->offset << ", " << a.extensions->objects.size() << " and "
        << extensions->objects.size() << " objects)";
  }
  return out.str();
}

}  // namespace hoplab::crafter

#endif  // HOPLAB_TESTS_CRAFTER_REPLY_EQUIVALENCE_H_
