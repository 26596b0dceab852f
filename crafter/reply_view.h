// ReplyView and ParseReplyView: a reply read in place, for the paths that
// parse every datagram and keep few (the engine's receive loop).
//
// ParseReply builds a whole Reply, RFC 4884 extension objects included,
// for every datagram. A trace matches each reply to its probe first and
// keeps only the replies that answer a probe in flight, so the view reads
// the same fields with the same checks but only locates the extensions;
// ReadExtensions reads their objects for a reply that is kept.

#ifndef HOPLAB_CRAFTER_REPLY_VIEW_H_
#define HOPLAB_CRAFTER_REPLY_VIEW_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "crafter/icmp_extension.h"
#include "crafter/parse_error.h"
#include "crafter/reply.h"

namespace hoplab::crafter {

struct ReplyView {
  // Every field ParseReply returns for the same bytes, except that
  // `reply.extensions` stays null (see ReadExtensions).
  Reply reply;
  // ICMP errors: the ICMP body (after the 8-byte header, up to the outer
  // Total Length), its RFC 4884 length field, and where the extension
  // structure lies in it when there is one.
  std::span<const uint8_t> icmp_body;
  uint8_t length_field = 0;
  std::optional<IcmpExtensionLocation> extension;
};

// Parses `datagram` as ParseReply does: the same checks (bounds, IHL in
// both headers, Total Length, fragments, the ICMP or TCP checksum, the
// quote rules of RFC 792 and RFC 1812), the same fields and, on failure,
// the same error. Returns nullopt and fills `*view` on success; returns the
// error, leaving `*view` unspecified, on failure. Allocates nothing and
// reads no extension object. `view->icmp_body` views `datagram` and is
// valid as long as it is.
[[nodiscard]] std::optional<ParseError> ParseReplyView(
    std::span<const uint8_t> datagram, ReplyView* view);

// The extensions ParseReply puts into the Reply of the bytes `view` was
// parsed from: null when there are none. Reads the objects and allocates;
// the bytes `view` was parsed from must still be valid.
std::shared_ptr<const IcmpExtensions> ReadExtensions(const ReplyView& view);

}  // namespace hoplab::crafter

#endif  // HOPLAB_CRAFTER_REPLY_VIEW_H_
