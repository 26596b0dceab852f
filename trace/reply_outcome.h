// What a reply means for the trace: whether it ends the trace at its hop,
// and whether the destination itself sent it. Shared by the engine and by
// the replay of captures, so that both stop where traceroute(8) stops.

#ifndef HOPLAB_TRACE_REPLY_OUTCOME_H_
#define HOPLAB_TRACE_REPLY_OUTCOME_H_

#include "crafter/ipv4_address.h"
#include "crafter/reply.h"

namespace hoplab::trace {

// Whether `reply` ends the trace at its hop, as traceroute(8) ends it: the
// destination answered, or something refused to forward further (any reply
// but Time Exceeded). A Fragmentation Needed whose next-hop MTU is at
// least the quoted datagram's Total Length cannot be true (RFC 1191 §4: it
// is sent for a datagram larger than that MTU): it is shown, but probing
// goes on.
bool EndsTrace(const crafter::Reply& reply);

// Whether `reply` is a Fragmentation Needed naming a next-hop MTU that the
// quoted datagram fits in (cases/c11-bogus-frag-needed.pcap: MTU 9000 for
// a 60-byte probe). An MTU of 0 comes from routers older than RFC 1191
// and names no size, so it is not bogus.
bool IsBogusFragmentationNeeded(const crafter::Reply& reply);

// Whether `reply` came from the host traced to `destination`: an Echo
// Reply, a TCP SYN-ACK or RST, a Port Unreachable, or any Destination
// Unreachable sent from `destination` itself.
bool FromDestination(const crafter::Reply& reply,
                     crafter::Ipv4Address destination);

}  // namespace hoplab::trace

#endif  // HOPLAB_TRACE_REPLY_OUTCOME_H_
