// The cycles of a run in mtr(8)'s --raw format, for tools that read mtr's
// raw log.

#ifndef HOPLAB_CLI_RAW_RENDERER_H_
#define HOPLAB_CLI_RAW_RENDERER_H_

#include <string>
#include <vector>

#include "trace/hop.h"
#include "trace/name_resolver.h"

namespace hoplab::cli {

// mtr's raw lines, in the order the events happened (sends and replies of
// all cycles, by time; a reply after its probe when the times tie):
//   x <pos> <seq>      probe <seq> sent to hop <pos>
//   h <pos> <address>  the hop's responder, when it first answers or
//                      changes
//   d <pos> <name>     the responder's name, once per hop and name (not
//                      with a null `resolver`)
//   p <pos> <usec> <seq>  probe <seq> answered after <usec> microseconds
// <pos> counts hops from 0 (TTL 1), as mtr does. The probes shown are
// those of the cycles' hops, the ones the text output prints: -q per hop
// (the last send of a re-asked probe); the probes -N sent past the hop
// that ended a cycle are in no hop and not shown. <seq> numbers the
// probes shown 0, 1, 2, ... in hop order, cycle after cycle, without
// gaps. Lost probes have an "x" line and no "p" line.
std::string RenderRaw(const std::vector<trace::TraceResult>& cycles,
                      trace::NameResolver* resolver);

}  // namespace hoplab::cli

#endif  // HOPLAB_CLI_RAW_RENDERER_H_
