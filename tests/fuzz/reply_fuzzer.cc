// libFuzzer target: the reply parser and the ICMP extension parser, which
// read whatever the network or a capture hands them. Any crash, sanitizer
// report or broken invariant is a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "crafter/check.h"
#include "crafter/icmp_extension.h"
#include "crafter/reply.h"
#include "tests/crafter/reply_equivalence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hoplab::crafter;
  const std::span<const uint8_t> bytes(data, size);

  // The engine's view reads every input as ParseReply does.
  const std::string disagreement = ReplyViewDisagreement(bytes);
  if (!disagreement.empty()) {
    std::fprintf(stderr, "ParseReplyView: %s\n", disagreement.c_str());
    HOPLAB_CHECK(disagreement.empty());
  }

  auto reply = ParseReply(bytes);
  if (reply.ok() && reply->extensions != nullptr) {
    // The quote ends where the extension starts, inside the datagram.
    HOPLAB_CHECK(reply->extensions->offset <= size);
    for (const IcmpExtensionObject& object : reply->extensions->objects) {
      HOPLAB_CHECK(!FormatIcmpExtensionObject(object).empty());
    }
    HOPLAB_CHECK(DescribeIcmpExtensionAnomalies(*reply->extensions).size() <=
                 6);
  }

  // The same bytes as an ICMP body with the first byte as length field,
  // in both units.
  if (size > 0) {
    for (IcmpLengthUnit unit :
         {IcmpLengthUnit::kIcmpv4, IcmpLengthUnit::kIcmpv6}) {
      auto found = ParseIcmpExtensions(bytes.subspan(1), data[0], unit,
                                       size > 1 ? data[1] : 0);
      if (found.ok() && found->has_value()) {
        const IcmpExtensions& extensions = **found;
        HOPLAB_CHECK(extensions.offset + kIcmpExtensionHeaderSize <= size - 1);
        // What was parsed serializes and parses back to the same objects.
        const auto rebuilt = SerializeIcmpExtensions(extensions.objects);
        std::vector<uint8_t> body(kIcmpExtensionQuoteSize, 0);
        body.insert(body.end(), rebuilt.begin(), rebuilt.end());
        auto again = ParseIcmpExtensions(body, 32, IcmpLengthUnit::kIcmpv4, 0);
        HOPLAB_CHECK(again.ok() && again->has_value() &&
                     (*again)->objects == extensions.objects);
      }
    }
  }
  return 0;
}
