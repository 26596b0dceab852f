#include "sim/flow_hash.h"

#include "crafter/byte_cursor.h"
#include "sim/random.h"

namespace hoplab::sim {

uint64_t FlowHash(std::span<const uint8_t> datagram, size_t header_size) {
  // Source and destination addresses, protocol, 4 bytes past the header.
  uint64_t flow = crafter::LoadU32(datagram, 12);
  flow = SeededRandom::Mix(flow ^
                           (uint64_t{crafter::LoadU32(datagram, 16)} << 32));
  flow ^= uint64_t{datagram[9]} << 56;
  if (datagram.size() >= header_size + 4) {
    flow ^= crafter::LoadU32(datagram, header_size);
  }
  return SeededRandom::Mix(flow);
}

}  // namespace hoplab::sim
