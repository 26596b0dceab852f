#include "trace/hop.h"

#include <algorithm>

namespace hoplab::trace {

void RecordAnswer(const crafter::Reply& reply, TimePoint received_at,
                  ProbeResult* probe) {
  probe->from = reply.responder;
  probe->rtt = std::max(Duration::zero(), received_at - probe->sent_at);
  probe->kind = reply.kind;
  probe->icmp_type = reply.icmp_type;
  probe->icmp_code = reply.icmp_code;
  probe->next_hop_mtu = reply.next_hop_mtu;
  probe->reply_ttl = reply.reply_ttl;
  probe->quoted_ttl = reply.quoted_ttl;
  probe->extensions = reply.extensions;
}

}  // namespace hoplab::trace
