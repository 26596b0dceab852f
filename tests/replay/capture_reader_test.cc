// CaptureReader and StripLinkLayer over captures written here through
// libpcap (pcap_open_dead, pcap_dump) for every link type, and pcapng
// files built byte by byte.

#include "replay/capture_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "crafter/byte_cursor.h"
#include "crafter/probe.h"
#include "replay/link_layer.h"
#include "tests/replay/pcap_test_util.h"

namespace hoplab::replay {
namespace {

using testing::HasSubstr;
using testing_util::ScopedTempDir;

// A 60-byte ICMP probe, TTL 3, as the crafter builds it.
std::vector<uint8_t> Probe() {
  crafter::ProbeSpec spec;
  spec.source = crafter::Ipv4Address::FromOctets(192, 0, 2, 10);
  spec.destination = crafter::Ipv4Address::FromOctets(203, 0, 113, 5);
  spec.ttl = 3;
  spec.icmp_id = 0x1234;
  spec.icmp_sequence = 7;
  std::vector<uint8_t> bytes(60);
  bytes.resize(crafter::BuildProbe(spec, bytes));
  return bytes;
}

std::vector<uint8_t> Concat(std::vector<uint8_t> head,
                            const std::vector<uint8_t>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// Writes `frames` to a pcap of `dlt` through libpcap, 1 ms apart from
// 1700000000.000123456 s.
void WritePcap(const std::string& path, int dlt, u_int precision,
               const std::vector<std::vector<uint8_t>>& frames) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, precision);
  ASSERT_NE(dead, nullptr);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  long fraction = precision == PCAP_TSTAMP_PRECISION_NANO ? 123456 : 123;
  for (const std::vector<uint8_t>& frame : frames) {
    pcap_pkthdr header{};
    header.ts.tv_sec = 1700000000;
    header.ts.tv_usec = fraction;
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.data());
    fraction += precision == PCAP_TSTAMP_PRECISION_NANO ? 1000000 : 1000;
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

std::vector<CaptureRecord> ReadAll(const std::string& path,
                                   std::vector<std::vector<uint8_t>>& copies) {
  auto reader = CaptureReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  std::vector<CaptureRecord> records;
  if (!reader.ok()) {
    return records;
  }
  while (true) {
    auto next = (*reader)->Next();
    EXPECT_TRUE(next.ok()) << next.error().message;
    if (!next.ok() || !next->has_value()) {
      return records;
    }
    copies.emplace_back((*next)->bytes.begin(), (*next)->bytes.end());
    records.push_back(**next);
    records.back().bytes = copies.back();
  }
}

struct LinkCase {
  const char* name;
  int dlt;
  std::vector<uint8_t> header;
};

class LinkTypeTest : public testing::TestWithParam<LinkCase> {};

TEST_P(LinkTypeTest, ReadsTheDatagramBehindEveryLinkHeader) {
  ScopedTempDir dir;
  const std::string path = dir.File("link.pcap");
  const std::vector<uint8_t> probe = Probe();
  // With 6 bytes of Ethernet-style padding after the datagram.
  const std::vector<uint8_t> frame =
      Concat(Concat(GetParam().header, probe), {0, 0, 0, 0, 0, 0});
  WritePcap(path, GetParam().dlt, PCAP_TSTAMP_PRECISION_MICRO, {frame});
  std::vector<std::vector<uint8_t>> copies;
  const std::vector<CaptureRecord> records = ReadAll(path, copies);
  ASSERT_EQ(records.size(), 1u);
  auto payload = StripLinkLayer(records[0].link_type, records[0].bytes, {});
  ASSERT_TRUE(payload.ok()) << payload.error();
  ASSERT_EQ(payload->kind, LinkPayloadKind::kIpv4);
  EXPECT_EQ(std::vector<uint8_t>(payload->datagram.begin(),
                                 payload->datagram.begin() + 60),
            probe);
  EXPECT_EQ(payload->datagram.size(), 66u) << "padding is left to IPv4";
}

INSTANTIATE_TEST_SUITE_P(
    EveryLinkType, LinkTypeTest,
    testing::Values(
        LinkCase{"Ethernet",
                 DLT_EN10MB,
                 {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x10, 0x08, 0x00}},
        LinkCase{"Vlan8100",
                 DLT_EN10MB,
                 {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x10,  //
                  0x81, 0x00, 0x00, 0x05, 0x08, 0x00}},
        LinkCase{"QinQ88a8",
                 DLT_EN10MB,
                 {2,    0,    0,    0,    0,    1,    2,    0,    0,    0,
                  0,    0x10,  //
                  0x88, 0xa8, 0x00, 0x76, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}},
        LinkCase{"QinQ9100",
                 DLT_EN10MB,
                 {2,    0,    0,    0,    0,    1,    2,    0,    0,    0,
                  0,    0x10,  //
                  0x91, 0x00, 0x00, 0x76, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}},
        // packet type 0 (to us), ARPHRD_ETHER, 6 address bytes, protocol.
        LinkCase{"LinuxSll",
                 DLT_LINUX_SLL,
                 {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}},
        // protocol, reserved, ifindex 2, ARPHRD_ETHER, type, address.
        LinkCase{"LinuxSll2", DLT_LINUX_SLL2, {0x08, 0x00, 0, 0, 0, 0, 0, 2,
                                               0,    1,    0, 6,  //
                                               2,    0,    0, 0, 0, 1, 0, 0}},
        LinkCase{"DltRaw", DLT_RAW, {}}, LinkCase{"LinktypeIpv4", 228, {}},
        // AF_INET (2) in little-endian (NULL on x86) and big-endian order.
        LinkCase{"NullLittleEndian", DLT_NULL, {2, 0, 0, 0}},
        LinkCase{"NullBigEndian", DLT_NULL, {0, 0, 0, 2}},
        LinkCase{"Loop", DLT_LOOP, {0, 0, 0, 2}}),
    [](const testing::TestParamInfo<LinkCase>& info) {
      return std::string(info.param.name);
    });

TEST(LinkLayerTest, NamesRawIpOfEveryNumbering) {
  const std::vector<uint8_t> probe = Probe();
  for (uint32_t type :
       {kLinkTypeDltRaw, kLinkTypeDltRawBsd, kLinkTypeRaw, kLinkTypeIpv4}) {
    auto payload = StripLinkLayer(type, probe, {});
    ASSERT_TRUE(payload.ok()) << type;
    EXPECT_EQ(payload->kind, LinkPayloadKind::kIpv4) << type;
  }
}

TEST(LinkLayerTest, CountsArpAndIpv6AsNoiseAndOtherTypesAsUnknown) {
  std::vector<uint8_t> arp = {2, 0, 0, 0, 0,    1,    2,
                              0, 0, 0, 0, 0x10, 0x08, 0x06};
  arp.resize(42);
  auto payload = StripLinkLayer(kLinkTypeEthernet, arp, {});
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->kind, LinkPayloadKind::kNoise);
  std::vector<uint8_t> vendor = {2, 0, 0,    0,    0,    1, 2, 0,    0,
                                 0, 0, 0x10, 0x82, 0x00, 0, 1, 0x08, 0x00};
  payload = StripLinkLayer(kLinkTypeEthernet, vendor, {});
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->kind, LinkPayloadKind::kUnknown);
  EXPECT_EQ(payload->protocol, 0x8200u);
  payload = StripLinkLayer(kLinkTypeEthernet, vendor, {{0x8200}});
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->kind, LinkPayloadKind::kIpv4);
}

TEST(LinkLayerTest, EveryTruncationOfALinkHeaderFailsCleanly) {
  const std::vector<uint8_t> qinq = {
      2,    0,    0,    0,    0,    1,    2,    0,    0,    0,    0,
      0x10, 0x91, 0x00, 0x00, 0x76, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00};
  for (size_t size = 0; size < qinq.size(); ++size) {
    auto payload = StripLinkLayer(
        kLinkTypeEthernet, std::span<const uint8_t>(qinq).first(size), {});
    EXPECT_FALSE(payload.ok()) << size;
  }
  for (uint32_t type : {kLinkTypeLinuxSll, kLinkTypeLinuxSll2, kLinkTypeNull}) {
    for (size_t size = 0; size < 4; ++size) {
      EXPECT_FALSE(StripLinkLayer(type, std::vector<uint8_t>(size, 0), {}).ok())
          << type << " " << size;
    }
  }
  EXPECT_FALSE(StripLinkLayer(9999, qinq, {}).ok());
}

TEST(CaptureReaderTest, ReadsNanosecondAndMicrosecondTimestamps) {
  ScopedTempDir dir;
  for (u_int precision :
       {PCAP_TSTAMP_PRECISION_MICRO, PCAP_TSTAMP_PRECISION_NANO}) {
    const std::string path = dir.File("t.pcap");
    WritePcap(path, DLT_RAW, precision, {Probe(), Probe()});
    std::vector<std::vector<uint8_t>> copies;
    const std::vector<CaptureRecord> records = ReadAll(path, copies);
    ASSERT_EQ(records.size(), 2u);
    const auto ns = records[0].at.time_since_epoch().count();
    EXPECT_EQ(ns, precision == PCAP_TSTAMP_PRECISION_NANO
                      ? 1700000000000123456
                      : 1700000000000123000);
    EXPECT_EQ(records[1].at - records[0].at, std::chrono::milliseconds(1));
    EXPECT_EQ(records[0].number, 1u);
    EXPECT_EQ(records[0].offset, 24u);
    EXPECT_EQ(records[1].offset, 24u + 16 + 60);
  }
}

// A FIFO can be read only once: the reader must not open it twice (the
// second open would wait for a writer that never comes).
TEST(CaptureReaderTest, ReadsPcapAndPcapngFromAFifoOnce) {
  ScopedTempDir dir;
  for (const char* capture :
       {"captures/icmp-butskoy.pcap", "captures/icmp-pcapng.pcapng"}) {
    SCOPED_TRACE(capture);
    std::vector<std::vector<uint8_t>> copies;
    const size_t num_records = ReadAll(capture, copies).size();
    ASSERT_GT(num_records, 0u);

    const std::string fifo = dir.File("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] {
      std::ifstream in(capture, std::ios::binary);
      std::ofstream(fifo, std::ios::binary) << in.rdbuf();
    });
    auto reader = CaptureReader::Open(fifo);
    size_t num_read = 0;
    if (reader.ok()) {
      while (true) {
        auto record = (*reader)->Next();
        ASSERT_TRUE(record.ok()) << record.error().message;
        if (!record->has_value()) {
          break;
        }
        ++num_read;
      }
    }
    writer.join();
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    EXPECT_EQ(num_read, num_records);
    std::filesystem::remove(fifo);
  }
}

// A stream is held in memory whole, so it is bounded: one byte over the
// limit fails naming the limit, and one at the limit is read.
TEST(CaptureReaderTest, AStreamOverItsLimitFailsAndOneAtItIsRead) {
  ScopedTempDir dir;
  const std::string path = dir.File("t.pcap");
  WritePcap(path, DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, {Probe()});
  std::vector<uint8_t> bytes = testing_util::ReadFileBytes(path);
  // 1 MiB of empty records after the probe's; a thread writes them into
  // a pipe while the reader takes them.
  bytes.resize(bytes.size() + (1 << 20));
  const uint64_t limit = bytes.size();
  for (const uint64_t extra : {uint64_t{0}, uint64_t{1}}) {
    SCOPED_TRACE(extra);
    int ends[2];
    ASSERT_EQ(pipe(ends), 0);
    std::thread writer([&] {
      size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t wrote =
            write(ends[1], bytes.data() + done, bytes.size() - done);
        if (wrote <= 0) {
          break;
        }
        done += static_cast<size_t>(wrote);
      }
      close(ends[1]);
    });
    auto reader = CaptureReader::Open("/dev/fd/" + std::to_string(ends[0]),
                                      limit - extra);
    writer.join();
    close(ends[0]);
    if (extra == 0) {
      ASSERT_TRUE(reader.ok()) << reader.error().message;
      auto first = (*reader)->Next();
      ASSERT_TRUE(first.ok() && first->has_value());
      EXPECT_EQ((*first)->bytes.size(), Probe().size());
    } else {
      ASSERT_FALSE(reader.ok());
      EXPECT_THAT(reader.error().message,
                  HasSubstr("MiB through a pipe or device; replay it from a "
                            "file"));
    }
  }
}

TEST(CaptureReaderTest, SaysWhyAFileCannotBeRead) {
  ScopedTempDir dir;
  auto missing = CaptureReader::Open(dir.File("missing.pcap"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message,
              ::testing::HasSubstr("missing.pcap: cannot open for reading: "
                                   "No such file or directory"));
  auto directory = CaptureReader::Open(dir.path().string());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error().message,
              ::testing::HasSubstr("is a directory"));
}

TEST(CaptureReaderTest, ReadsABigEndianPcap) {
  // Magic a1b2c3d4 in big-endian order, version 2.4, snaplen 65535,
  // LINKTYPE_RAW; one record at 1700000000.5 s.
  std::vector<uint8_t> file = {
      0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04,  // magic, version
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // thiszone, sigfigs
      0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x65,  // snaplen, linktype
      0x65, 0x53, 0xf1, 0x00, 0x00, 0x07, 0xa1, 0x20,  // ts sec, ts usec
      0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x3c,  // caplen, len
  };
  file = Concat(file, Probe());
  ScopedTempDir dir;
  const std::string path = dir.File("be.pcap");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()),
             static_cast<std::streamsize>(file.size()));
  std::vector<std::vector<uint8_t>> copies;
  const std::vector<CaptureRecord> records = ReadAll(path, copies);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at.time_since_epoch().count(), 1700000000500000000);
  EXPECT_EQ(records[0].bytes.size(), 60u);
}

// A pcapng of two sections' worth of interfaces: Ethernet (0) and raw IP
// (1) in one section, which libpcap 1.10 refuses, in `big_endian` order.
std::vector<uint8_t> TwoInterfacePcapng(bool big_endian) {
  std::vector<uint8_t> out;
  const auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      const int shift = big_endian ? 24 - 8 * i : 8 * i;
      out.push_back(static_cast<uint8_t>(v >> shift));
    }
  };
  const auto u16 = [&](uint16_t v) {
    out.push_back(static_cast<uint8_t>(big_endian ? v >> 8 : v));
    out.push_back(static_cast<uint8_t>(big_endian ? v : v >> 8));
  };
  // Section Header Block: 28 bytes.
  u32(0x0A0D0D0A), u32(28), u32(0x1A2B3C4D), u16(1), u16(0);
  u32(0xffffffff), u32(0xffffffff), u32(28);
  // Two Interface Description Blocks; the second with if_tsresol 9 (ns).
  u32(1), u32(20), u16(1), u16(0), u32(65535), u32(20);
  u32(1), u32(28), u16(101), u16(0), u32(65535);
  u16(9), u16(1), out.push_back(9), out.insert(out.end(), 3, 0);
  u32(28);
  const std::vector<uint8_t> probe = Probe();
  const std::vector<uint8_t> ethernet =
      Concat({2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0x10, 0x08, 0x00}, probe);
  // Enhanced Packet Blocks: ts in each interface's unit.
  const auto epb = [&](uint32_t interface, uint64_t ts,
                       const std::vector<uint8_t>& data) {
    const uint32_t padded = static_cast<uint32_t>((data.size() + 3) / 4 * 4);
    u32(6), u32(32 + padded), u32(interface);
    u32(static_cast<uint32_t>(ts >> 32)), u32(static_cast<uint32_t>(ts));
    u32(static_cast<uint32_t>(data.size())),
        u32(static_cast<uint32_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
    out.insert(out.end(), padded - data.size(), 0);
    u32(32 + padded);
  };
  epb(0, 1700000000000001, ethernet);
  epb(1, 1700000000000002000, probe);
  epb(5, 0, probe);  // an interface no block declares: a bad record
  epb(1, 1700000000000003000, probe);
  return out;
}

TEST(CaptureReaderTest, ReadsPcapngWhoseInterfacesDifferInLinkType) {
  for (bool big_endian : {false, true}) {
    ScopedTempDir dir;
    const std::string path = dir.File("two.pcapng");
    const std::vector<uint8_t> file = TwoInterfacePcapng(big_endian);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(file.data()),
               static_cast<std::streamsize>(file.size()));

    // libpcap itself gives up on the second interface.
    char error[PCAP_ERRBUF_SIZE];
    pcap_t* direct = pcap_open_offline(path.c_str(), error);
    if (direct != nullptr) {
      pcap_pkthdr* header;
      const u_char* data;
      int status = 1;
      for (int i = 0; i < 4 && status == 1; ++i) {
        status = pcap_next_ex(direct, &header, &data);
      }
      EXPECT_EQ(status, PCAP_ERROR) << "libpcap read it after all";
      pcap_close(direct);
    }

    std::vector<std::vector<uint8_t>> copies;
    const std::vector<CaptureRecord> records = ReadAll(path, copies);
    ASSERT_EQ(records.size(), 4u) << big_endian;
    EXPECT_EQ(records[0].link_type, kLinkTypeEthernet);
    EXPECT_EQ(records[1].link_type, kLinkTypeRaw);
    EXPECT_EQ(records[0].at.time_since_epoch().count(), 1700000000000001000);
    EXPECT_EQ(records[1].at.time_since_epoch().count(), 1700000000000002000);
    EXPECT_THAT(records[2].problem, HasSubstr("interface 5"));
    EXPECT_EQ(records[2].number, 3u);
    EXPECT_TRUE(records[3].problem.empty());
    for (const CaptureRecord& record : {records[0], records[1], records[3]}) {
      auto payload = StripLinkLayer(record.link_type, record.bytes, {});
      ASSERT_TRUE(payload.ok());
      EXPECT_EQ(payload->kind, LinkPayloadKind::kIpv4);
    }
  }
}

// A link type stated once for the whole file (pcap header) or for an
// interface (pcapng Interface Description Block) that no record could be
// read by fails the file at Open, before any record, naming the block.
TEST(CaptureReaderTest, RefusesALinkTypeItDoesNotReadBeforeAnyRecord) {
  ScopedTempDir dir;
  const std::string pcap = dir.File("user0.pcap");
  WritePcap(pcap, 147, PCAP_TSTAMP_PRECISION_MICRO, {Probe()});
  auto from_pcap = CaptureReader::Open(pcap);
  ASSERT_FALSE(from_pcap.ok());
  EXPECT_EQ(from_pcap.error().message,
            pcap +
                ": link type 147 is not one hoplab reads (Ethernet, Linux "
                "cooked SLL and SLL2, raw IP, BSD loopback)");

  // The first interface's LinkType, 8 bytes into its block at 28.
  std::vector<uint8_t> file = TwoInterfacePcapng(false);
  ASSERT_EQ(crafter::LoadU16Le(file, 36), 1u) << "not the first LinkType";
  file[36] = 147;
  const std::string pcapng = dir.File("user0.pcapng");
  std::ofstream(pcapng, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()),
             static_cast<std::streamsize>(file.size()));
  auto from_pcapng = CaptureReader::Open(pcapng);
  ASSERT_FALSE(from_pcapng.ok());
  EXPECT_EQ(from_pcapng.error().message,
            pcapng +
                ", Interface Description Block at offset 28: link type 147 "
                "is not one hoplab reads (Ethernet, Linux cooked SLL and "
                "SLL2, raw IP, BSD loopback)");
}

// An Interface Description Block whose option runs past the block, or
// whose if_tsoffset puts every timestamp outside what nanoseconds since
// 1970 hold, fails the file once, at the block, instead of being used or
// failing every record.
TEST(CaptureReaderTest, RefusesAnInterfaceBlockNoRecordCouldBeReadBy) {
  // The second interface's block at 48: its if_tsresol option's length
  // at 66.
  std::vector<uint8_t> overrun = TwoInterfacePcapng(false);
  ASSERT_EQ(crafter::LoadU16Le(overrun, 64), 9u) << "not if_tsresol";
  overrun[66] = 200;

  // The second block rebuilt with if_tsoffset -2^62 s in place of
  // if_tsresol: 36 bytes instead of 28.
  std::vector<uint8_t> offset = TwoInterfacePcapng(false);
  const std::vector<uint8_t> block = {
      0x01, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00,  // IDB, 36 bytes
      0x65, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,  // RAW, snaplen
      0x0e, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,  // if_tsoffset, 8
      0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00,  // -2^62 LE, end
      0x24, 0x00, 0x00, 0x00,                          // 36
  };
  offset.erase(offset.begin() + 48, offset.begin() + 76);
  offset.insert(offset.begin() + 48, block.begin(), block.end());

  struct Case {
    const char* name;
    std::vector<uint8_t> file;
    std::string says;
  } cases[] = {
      {"option past its block", overrun,
       ", Interface Description Block at offset 48: option 9 at offset 64 "
       "declares 200 bytes, past the end of its block"},
      {"if_tsoffset", offset,
       ", Interface Description Block at offset 48: if_tsoffset "
       "-4611686018427387904 s puts every timestamp outside 1970 to 2262"},
  };
  ScopedTempDir dir;
  for (const Case& c : cases) {
    const std::string path = dir.File("bad.pcapng");
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(c.file.data()),
               static_cast<std::streamsize>(c.file.size()));
    auto reader = CaptureReader::Open(path);
    ASSERT_FALSE(reader.ok()) << c.name;
    EXPECT_EQ(reader.error().message, path + c.says) << c.name;
  }
}

// Fuzzing found this (tests/fuzz/regressions/capture/): a 64-bit pcapng
// timestamp, or one moved by if_tsoffset, past what nanoseconds since
// 1970 hold overflowed the conversion. Such a record is bad, and the
// records after it are read.
TEST(CaptureReaderTest, APcapngTimestampPastTheYear2262IsABadRecord) {
  std::vector<uint8_t> file = TwoInterfacePcapng(false);
  // Section header 28, interfaces 20 + 28, the first packet block 108:
  // the second block's timestamp (nanoseconds) at 184 + 12.
  constexpr size_t kSecondTimestamp = 184 + 12;
  ASSERT_EQ(crafter::LoadU32Le(file, 184), 6u) << "not a packet block";
  for (size_t i = 0; i < 8; ++i) {
    file[kSecondTimestamp + i] = 0xff;
  }
  ScopedTempDir dir;
  const std::string path = dir.File("late.pcapng");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()),
             static_cast<std::streamsize>(file.size()));
  std::vector<std::vector<uint8_t>> copies;
  const std::vector<CaptureRecord> records = ReadAll(path, copies);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(records[0].problem.empty());
  EXPECT_THAT(records[1].problem, HasSubstr("outside 1970 to 2262"));
  EXPECT_TRUE(records[1].bytes.empty());
  EXPECT_TRUE(records[3].problem.empty());
}

TEST(CaptureReaderTest, EveryTruncationOfAPcapngFailsCleanly) {
  const std::vector<uint8_t> file = TwoInterfacePcapng(false);
  ScopedTempDir dir;
  const std::string path = dir.File("cut.pcapng");
  for (size_t size = 0; size < file.size(); ++size) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(file.data()),
               static_cast<std::streamsize>(size));
    auto reader = CaptureReader::Open(path);
    if (!reader.ok()) {
      EXPECT_THAT(reader.error().message, HasSubstr(path)) << size;
      continue;
    }
    for (int i = 0; i < 10; ++i) {
      auto next = (*reader)->Next();
      if (!next.ok()) {
        EXPECT_THAT(next.error().message, HasSubstr(path)) << size;
        break;
      }
      if (!next->has_value()) {
        break;
      }
    }
  }
}

}  // namespace
}  // namespace hoplab::replay
