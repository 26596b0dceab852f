#include "crafter/probe.h"

#include <algorithm>
#include <array>

#include "crafter/byte_cursor.h"
#include "crafter/check.h"
#include "crafter/icmp.h"
#include "crafter/ipv4.h"
#include "crafter/tcp.h"
#include "crafter/udp.h"

namespace hoplab::crafter {
namespace {

// Linux traceroute fills probe data with consecutive byte values starting
// at 0x40: byte i of the ICMP message is 0x40 + i (so the data after the
// 8-byte Echo header starts at 0x48), byte i of UDP data is 0x40 + i
// (captures/icmp-butskoy.pcap, udp-butskoy.pcap). TCP data, present only
// when options cannot fill the size, follows the UDP rule.
constexpr uint8_t kPayloadPatternStart = 0x40;

// Linux traceroute -T sends SYNs with window 5840 (tcp-rst-butskoy.pcap).
constexpr uint16_t kTcpSynWindow = 5840;

// The options Linux traceroute -T puts in its SYN, in its order, 20 bytes
// (tcp-rst-butskoy.pcap). TSval is 0 here: the crafter has no clock, and
// RFC 7323 §3.2 gives TSval no meaning to the receiver beyond echoing it.
constexpr std::array<uint8_t, 20> kTcpSynOptions = {
    0x02, 0x04, 0x05, 0xb4,  // MSS 1460 (RFC 9293 §3.7.1)
    0x04, 0x02,              // SACK permitted (RFC 2018 §2)
    0x08, 0x0a,              // Timestamps (RFC 7323 §3.2)
    0x00, 0x00, 0x00, 0x00,  //   TSval 0
    0x00, 0x00, 0x00, 0x00,  //   TSecr 0 (must be 0 without ACK)
    0x01,                    // NOP
    0x03, 0x03, 0x02,        // Window scale 2 (RFC 7323 §2.2)
};
// When fewer than 20 bytes are left over, the SYN carries MSS alone.
constexpr size_t kTcpMssOptionSize = 4;
constexpr uint8_t kTcpOptionNop = 0x01;
constexpr size_t kTcpMaxOptionsSize = kTcpMaxHeaderSize - kTcpMinHeaderSize;

size_t HeadersSize(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::kIcmp:
      return kIpv4MinHeaderSize + kIcmpHeaderSize;
    case ProbeMethod::kUdp:
      return kIpv4MinHeaderSize + kUdpHeaderSize;
    case ProbeMethod::kTcp:
      return kIpv4MinHeaderSize + kTcpMinHeaderSize;
  }
  return 0;
}

IpProtocol ProtocolOf(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::kIcmp:
      return IpProtocol::kIcmp;
    case ProbeMethod::kUdp:
      return IpProtocol::kUdp;
    case ProbeMethod::kTcp:
      return IpProtocol::kTcp;
  }
  return IpProtocol::kIcmp;
}

// Paris probes adjust the first two data bytes.
constexpr size_t kChecksumAdjustSize = 2;

bool IsBuildable(const ProbeSpec& spec, std::span<uint8_t> out) {
  const size_t headers_size = HeadersSize(spec.method);
  if (spec.fixed_checksum.has_value() && spec.method != ProbeMethod::kTcp &&
      (spec.packet_size < headers_size + kChecksumAdjustSize ||
       (spec.method == ProbeMethod::kUdp && *spec.fixed_checksum == 0))) {
    return false;
  }
  return headers_size != 0 && spec.ip_id != 0 &&
         spec.packet_size >= headers_size && out.size() >= spec.packet_size;
}

void WriteProbeIpHeader(const ProbeSpec& spec, std::span<uint8_t> datagram) {
  Ipv4Header header;
  header.tos = spec.tos;
  header.total_length = spec.packet_size;
  header.id = spec.ip_id;
  header.dont_fragment = spec.dont_fragment;
  header.ttl = spec.ttl;
  header.protocol = ProtocolOf(spec.method);
  header.source = spec.source;
  header.destination = spec.destination;
  HOPLAB_CHECK(WriteIpv4Header(header, datagram) == kIpv4MinHeaderSize);
}

// Writes the TCP SYN header; returns its size. The bytes past the 20-byte
// header become options, not data: Linux traceroute's options where they
// fit (else MSS alone), then NOPs up to the largest multiple of 4 bytes the
// size allows, at most 40. A SYN without data is acknowledged with exactly
// its sequence number plus one (see ParseReply).
size_t WriteTcpSyn(const ProbeSpec& spec, std::span<uint8_t> segment) {
  const size_t room = segment.size() - kTcpMinHeaderSize;
  const size_t options_size = std::min(room, kTcpMaxOptionsSize) / 4 * 4;
  std::array<uint8_t, kTcpMaxOptionsSize> options;
  options.fill(kTcpOptionNop);
  if (options_size >= kTcpSynOptions.size()) {
    std::copy(kTcpSynOptions.begin(), kTcpSynOptions.end(), options.begin());
  } else if (options_size >= kTcpMssOptionSize) {
    std::copy_n(kTcpSynOptions.begin(), kTcpMssOptionSize, options.begin());
  }

  TcpHeader header;
  header.source_port = spec.source_port;
  header.destination_port = spec.destination_port;
  header.sequence = spec.tcp_sequence;
  header.flags = kTcpSyn;
  header.window = kTcpSynWindow;
  header.options = std::span(options).first(options_size);
  const size_t size = WriteTcpHeader(header, segment);
  HOPLAB_CHECK(size != 0);
  return size;
}

// Writes the transport header with a zero checksum; returns its size.
size_t WriteTransportHeader(const ProbeSpec& spec,
                            std::span<uint8_t> transport) {
  switch (spec.method) {
    case ProbeMethod::kIcmp: {
      IcmpMessage echo;
      echo.type = IcmpType::kEchoRequest;
      echo.rest_of_header =
          (uint32_t{spec.icmp_id} << 16) | uint32_t{spec.icmp_sequence};
      HOPLAB_CHECK(WriteIcmpMessage(echo, transport) == kIcmpHeaderSize);
      return kIcmpHeaderSize;
    }
    case ProbeMethod::kUdp: {
      UdpHeader udp;
      udp.source_port = spec.source_port;
      udp.destination_port = spec.destination_port;
      udp.length = static_cast<uint16_t>(transport.size());
      HOPLAB_CHECK(WriteUdpHeader(udp, transport) == kUdpHeaderSize);
      return kUdpHeaderSize;
    }
    case ProbeMethod::kTcp:
      return WriteTcpSyn(spec, transport);
  }
  return 0;
}

void FillPayload(std::span<uint8_t> payload, uint8_t first) {
  for (size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<uint8_t>(first + i);
  }
}

size_t ChecksumOffset(const ProbeSpec& spec) {
  return spec.method == ProbeMethod::kIcmp ? kIcmpChecksumOffset
                                           : kUdpChecksumOffset;
}

void PatchTransportChecksum(const ProbeSpec& spec,
                            std::span<uint8_t> transport) {
  switch (spec.method) {
    case ProbeMethod::kIcmp:
      PatchIcmpChecksum(transport);
      return;
    case ProbeMethod::kUdp:
      PatchUdpChecksum(spec.source, spec.destination, transport);
      return;
    case ProbeMethod::kTcp:
      PatchTcpChecksum(spec.source, spec.destination, transport);
      return;
  }
}

// Sets the first data word so that the transport checksum comes out as
// `wanted`. With that word zero the checksum is C = ~S; the word w must
// make ~(S + w) = wanted, so w = ~wanted + C in ones' complement
// arithmetic (RFC 1071 §2(A): the sum is commutative, so where w sits does
// not matter as long as it is 16-bit aligned, which data offset 8 is).
void AdjustForChecksum(const ProbeSpec& spec, std::span<uint8_t> transport,
                       size_t header_size, uint16_t wanted) {
  StoreU16(transport, header_size, 0);
  PatchTransportChecksum(spec, transport);
  const uint16_t zero_word_checksum = LoadU16(transport, ChecksumOffset(spec));
  uint32_t word = uint32_t{uint16_t(~wanted)} + zero_word_checksum;
  word = (word & 0xffff) + (word >> 16);
  StoreU16(transport, header_size, static_cast<uint16_t>(word));
}

}  // namespace

std::string_view ProbeMethodName(ProbeMethod method) {
  switch (method) {
    case ProbeMethod::kIcmp:
      return "icmp";
    case ProbeMethod::kUdp:
      return "udp";
    case ProbeMethod::kTcp:
      return "tcp";
  }
  return "unknown";
}

size_t BuildProbe(const ProbeSpec& spec, std::span<uint8_t> out) {
  if (!IsBuildable(spec, out)) {
    return 0;
  }
  const std::span<uint8_t> datagram = out.first(spec.packet_size);
  WriteProbeIpHeader(spec, datagram);

  const std::span<uint8_t> transport = datagram.subspan(kIpv4MinHeaderSize);
  const size_t header_size = WriteTransportHeader(spec, transport);
  // ICMP counts the pattern from the start of the message, UDP and TCP
  // from the start of the data.
  const size_t pattern_skip =
      spec.method == ProbeMethod::kIcmp ? header_size : 0;
  FillPayload(transport.subspan(header_size),
              static_cast<uint8_t>(kPayloadPatternStart + pattern_skip));

  if (spec.fixed_checksum.has_value() && spec.method != ProbeMethod::kTcp) {
    AdjustForChecksum(spec, transport, header_size, *spec.fixed_checksum);
  }
  PatchTransportChecksum(spec, transport);
  return spec.packet_size;
}

}  // namespace hoplab::crafter
