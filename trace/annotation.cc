#include "trace/annotation.h"

#include <string>

#include "crafter/icmp.h"

namespace hoplab::trace {

using crafter::UnreachableCode;

std::string Annotation(const ProbeResult& probe) {
  if (!probe.from.has_value() ||
      probe.kind != crafter::ReplyKind::kDestinationUnreachable) {
    return "";
  }
  switch (static_cast<UnreachableCode>(probe.icmp_code)) {
    case UnreachableCode::kNet:
    case UnreachableCode::kNetUnknown:
    case UnreachableCode::kSourceHostIsolated:
    case UnreachableCode::kNetForTos:
      return "!N";
    case UnreachableCode::kHost:
    case UnreachableCode::kHostUnknown:
    case UnreachableCode::kHostForTos:
      return "!H";
    case UnreachableCode::kProtocol:
      return "!P";
    case UnreachableCode::kPort:
      // The destination's answer to a UDP probe: the trace arrived.
      return "";
    case UnreachableCode::kFragmentationNeeded:
      return "!F-" + std::to_string(probe.next_hop_mtu);
    case UnreachableCode::kSourceRouteFailed:
      return "!S";
    case UnreachableCode::kNetProhibited:
    case UnreachableCode::kHostProhibited:
    case UnreachableCode::kCommunicationProhibited:
      return "!X";
    case UnreachableCode::kHostPrecedenceViolation:
      return "!V";
    case UnreachableCode::kPrecedenceCutoff:
      return "!C";
  }
  return "!<" + std::to_string(probe.icmp_code) + ">";
}

}  // namespace hoplab::trace
