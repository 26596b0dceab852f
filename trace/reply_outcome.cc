#include "trace/reply_outcome.h"

#include "crafter/icmp.h"

namespace hoplab::trace {

using crafter::ReplyKind;

bool IsBogusFragmentationNeeded(const crafter::Reply& reply) {
  return reply.kind == ReplyKind::kDestinationUnreachable &&
         reply.icmp_code ==
             static_cast<uint8_t>(
                 crafter::UnreachableCode::kFragmentationNeeded) &&
         reply.next_hop_mtu != 0 &&
         reply.next_hop_mtu >= reply.quoted_total_length;
}

bool EndsTrace(const crafter::Reply& reply) {
  return reply.kind != ReplyKind::kTimeExceeded &&
         !IsBogusFragmentationNeeded(reply);
}

bool FromDestination(const crafter::Reply& reply,
                     crafter::Ipv4Address destination) {
  switch (reply.kind) {
    case ReplyKind::kEchoReply:
    case ReplyKind::kTcpSynAck:
    case ReplyKind::kTcpReset:
      return true;
    case ReplyKind::kDestinationUnreachable:
      return reply.icmp_code ==
                 static_cast<uint8_t>(crafter::UnreachableCode::kPort) ||
             reply.responder == destination;
    case ReplyKind::kTimeExceeded:
      return false;
  }
  return false;
}

}  // namespace hoplab::trace
