#include "sim/router.h"

#include <algorithm>

#include "crafter/byte_cursor.h"
#include "crafter/checksum.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"
#include "crafter/tcp_reply.h"
#include "sim/random.h"

namespace hoplab::sim {
namespace {

// The TTL and protocol share the 16-bit word at offset 8 of the header.
constexpr size_t kTtlWordOffset = 8;
// An ICMP error is at most an outer header with options, the ICMP header
// and the quote.
constexpr size_t kMaxErrorBuffer = crafter::kRfc1812MaxErrorSize + 60;

std::vector<uint8_t> BuildError(const RouterProfile& profile,
                                crafter::Ipv4Address from, uint16_t ip_id,
                                crafter::IcmpType type, uint8_t code,
                                std::span<const uint8_t> datagram,
                                uint16_t next_hop_mtu = 0,
                                std::span<const uint8_t> extensions = {}) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    return {};
  }
  crafter::IcmpErrorSpec spec;
  spec.source = from;
  spec.destination = header->source;
  spec.ttl = profile.initial_ttl;
  spec.tos = profile.error_tos;
  spec.ip_id = ip_id;
  spec.type = type;
  spec.code = code;
  spec.max_error_size = profile.max_error_size;
  spec.offending = datagram;
  spec.next_hop_mtu = next_hop_mtu;
  spec.extensions = extensions;
  std::vector<uint8_t> out(kMaxErrorBuffer + extensions.size());
  out.resize(crafter::BuildIcmpError(spec, out));
  return out;
}

std::vector<uint8_t> BuildTcpAnswer(const RouterProfile& profile,
                                    uint16_t ip_id,
                                    std::span<const uint8_t> datagram,
                                    size_t header_size) {
  if (datagram.size() < header_size + crafter::kTcpMinHeaderSize) {
    return {};
  }
  const uint16_t port = crafter::LoadU16(datagram, header_size + 2);
  crafter::TcpReplySpec spec;
  spec.port_open =
      std::find(profile.open_tcp_ports.begin(), profile.open_tcp_ports.end(),
                port) != profile.open_tcp_ports.end();
  spec.ttl = profile.initial_ttl;
  spec.ip_id = ip_id;
  // The initial sequence number follows from the SYN's, so runs repeat.
  spec.initial_sequence = static_cast<uint32_t>(
      SeededRandom::Mix(crafter::LoadU32(datagram, header_size + 4)));
  std::vector<uint8_t> out(kMaxErrorBuffer);
  out.resize(crafter::BuildTcpReply(datagram, spec, out));
  return out;
}

}  // namespace

bool DecrementTtl(std::span<uint8_t> datagram) {
  const uint16_t old_word = crafter::LoadU16(datagram, kTtlWordOffset);
  const uint8_t ttl = static_cast<uint8_t>(old_word >> 8);
  if (ttl <= 1) {
    return false;
  }
  const uint16_t new_word = static_cast<uint16_t>(old_word - 0x100);
  const uint16_t checksum =
      crafter::LoadU16(datagram, crafter::kIpv4ChecksumOffset);
  crafter::StoreU16(datagram, kTtlWordOffset, new_word);
  crafter::StoreU16(datagram, crafter::kIpv4ChecksumOffset,
                    crafter::ChecksumUpdate(checksum, old_word, new_word));
  return true;
}

std::vector<uint8_t> BuildTimeExceeded(const RouterProfile& profile,
                                       crafter::Ipv4Address router,
                                       uint16_t ip_id,
                                       std::span<const uint8_t> datagram,
                                       std::span<const uint8_t> extensions) {
  // RFC 792: code 0, time to live exceeded in transit.
  return BuildError(profile, router, ip_id, crafter::IcmpType::kTimeExceeded, 0,
                    datagram, 0, extensions);
}

std::vector<uint8_t> BuildUnreachable(const RouterProfile& profile,
                                      crafter::Ipv4Address from, uint16_t ip_id,
                                      uint8_t code, uint16_t next_hop_mtu,
                                      std::span<const uint8_t> datagram) {
  return BuildError(profile, from, ip_id,
                    crafter::IcmpType::kDestinationUnreachable, code, datagram,
                    next_hop_mtu);
}

std::vector<uint8_t> BuildHostAnswer(const RouterProfile& profile,
                                     crafter::Ipv4Address host, uint16_t ip_id,
                                     std::span<const uint8_t> datagram) {
  auto header = crafter::ParseIpv4Header(datagram);
  if (!header.ok()) {
    return {};
  }
  switch (header->protocol) {
    case crafter::IpProtocol::kIcmp: {
      std::vector<uint8_t> out(datagram.size());
      out.resize(
          crafter::BuildEchoReply(datagram, profile.initial_ttl, ip_id, out));
      return out;
    }
    case crafter::IpProtocol::kUdp:
      return BuildError(
          profile, host, ip_id, crafter::IcmpType::kDestinationUnreachable,
          static_cast<uint8_t>(crafter::UnreachableCode::kPort), datagram);
    case crafter::IpProtocol::kTcp:
      return BuildTcpAnswer(profile, ip_id, datagram, header->header_size());
  }
  return {};
}

}  // namespace hoplab::sim
