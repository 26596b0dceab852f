#include "replay/pcap_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/replay/pcap_test_util.h"

namespace hoplab::replay {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::HasSubstr;
using testing_util::PcapContents;
using testing_util::ReadFileBytes;
using testing_util::ReadPcap;
using testing_util::ScopedTempDir;

// 2026-01-01T00:00:00Z.
const trace::TimePoint kStart{seconds(1767225600)};

// A 28-byte ICMP Echo Request, 192.0.2.100 > 198.51.100.7, TTL 1. The IP
// checksum is left zero: the writer does not look inside datagrams.
const std::vector<uint8_t> kEchoRequest = {
    0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0x00,  // ver/ihl tos len id frag
    0x01, 0x01, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x64,  // ttl proto sum | src
    0xc6, 0x33, 0x64, 0x07,                          // dst
    0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,  // type code sum id seq
};

// The same datagram with one more byte, so records differ in size too.
std::vector<uint8_t> Datagram(uint8_t tag) {
  std::vector<uint8_t> out = kEchoRequest;
  out.push_back(tag);
  return out;
}

std::unique_ptr<PcapWriter> OpenOrDie(const std::string& path) {
  auto opened = PcapWriter::Open(path);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(PcapWriterTest, WritesRawIpRecordsThatLibpcapReadsBackExactly) {
  ScopedTempDir dir;
  const std::string path = dir.File("trace.pcap");
  struct Written {
    std::vector<uint8_t> bytes;
    trace::TimePoint at;
  };
  const std::vector<Written> written = {
      {kEchoRequest, kStart},
      {Datagram(1), kStart + nanoseconds(1)},
      {Datagram(2), kStart + seconds(1) + nanoseconds(999'999'999)},
      {Datagram(3), kStart + seconds(2) + nanoseconds(123'456'789)},
  };

  std::unique_ptr<PcapWriter> writer = OpenOrDie(path);
  ASSERT_NE(writer, nullptr);
  for (const Written& record : written) {
    ASSERT_TRUE(writer->Write(record.bytes, record.at).ok());
  }
  EXPECT_EQ(writer->num_records(), written.size());
  ASSERT_TRUE(writer->Close().ok());

  auto read = ReadPcap(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->link_type, DLT_RAW);
  ASSERT_EQ(read->records.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(read->records[i].bytes, written[i].bytes) << "record " << i;
    EXPECT_EQ(read->records[i].original_size, written[i].bytes.size())
        << "record " << i;
    EXPECT_EQ(read->records[i].at, written[i].at) << "record " << i;
  }
}

TEST(PcapWriterTest, WritesTheNanosecondMagicAndLinktypeRawInTheFileHeader) {
  ScopedTempDir dir;
  const std::string path = dir.File("header.pcap");

  ASSERT_NE(OpenOrDie(path), nullptr);

  // The header as libpcap writes it, in the writer's byte order: magic
  // 0xa1b23c4d (nanosecond timestamps), version 2.4, snaplen 65535,
  // network 101 (LINKTYPE_RAW).
  const std::vector<uint8_t> bytes = testing_util::ReadFileBytes(path);
  ASSERT_EQ(bytes.size(), 24u);
  const auto u32 = [&](size_t offset) {
    uint32_t value = 0;
    std::memcpy(&value, bytes.data() + offset, sizeof(value));
    return value;
  };
  EXPECT_EQ(u32(0), 0xa1b23c4du);
  EXPECT_EQ(u32(16), 65535u);
  EXPECT_EQ(u32(20), 101u);
}

TEST(PcapWriterTest, LeavesAReadableFileAfterEveryWriteWithoutClose) {
  ScopedTempDir dir;
  const std::string path = dir.File("open.pcap");
  std::unique_ptr<PcapWriter> writer = OpenOrDie(path);
  ASSERT_NE(writer, nullptr);

  for (uint8_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(writer->Write(Datagram(i), kStart + seconds(i)).ok());

    auto read = ReadPcap(path);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_EQ(read->records.size(), i);
    EXPECT_EQ(read->records.back().bytes, Datagram(i));
  }
}

TEST(PcapWriterTest, ClosesTheFileWhenDestroyed) {
  ScopedTempDir dir;
  const std::string path = dir.File("destroyed.pcap");
  {
    std::unique_ptr<PcapWriter> writer = OpenOrDie(path);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Write(kEchoRequest, kStart).ok());
  }

  auto read = ReadPcap(path);

  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->records.size(), 1u);
}

TEST(PcapWriterTest, TruncatesAnExistingFile) {
  ScopedTempDir dir;
  const std::string path = dir.File("again.pcap");
  {
    std::unique_ptr<PcapWriter> writer = OpenOrDie(path);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Write(kEchoRequest, kStart).ok());
    ASSERT_TRUE(writer->Write(kEchoRequest, kStart).ok());
  }

  ASSERT_NE(OpenOrDie(path), nullptr);

  auto read = ReadPcap(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(read->records.empty());
}

TEST(PcapWriterTest, FailsToOpenAPathInAMissingDirectoryNamingThePath) {
  ScopedTempDir dir;
  const std::string path = dir.File("missing/trace.pcap");

  auto opened = PcapWriter::Open(path);

  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.error().message, HasSubstr(path));
}

TEST(PcapWriterTest, RefusesToWriteAfterClose) {
  ScopedTempDir dir;
  const std::string path = dir.File("closed.pcap");
  std::unique_ptr<PcapWriter> writer = OpenOrDie(path);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write(kEchoRequest, kStart).ok());
  ASSERT_TRUE(writer->Close().ok());

  const Status written = writer->Write(kEchoRequest, kStart);

  EXPECT_FALSE(written.ok());
  EXPECT_THAT(written.message(), HasSubstr(path));
  EXPECT_EQ(writer->num_records(), 1u);
  EXPECT_TRUE(writer->Close().ok());
  auto read = ReadPcap(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->records.size(), 1u);
}

// Limits the size of files this process writes (RLIMIT_FSIZE) while it
// lives, as a full disk would: writes past it fail with EFBIG, and SIGXFSZ
// is ignored so that they fail rather than kill the test.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &old_), 0);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  ~ScopedFileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(PcapWriterTest, CutsAFailedRecordOffSoTheFileStaysValid) {
  ScopedTempDir dir;
  const std::string path = dir.File("full.pcap");
  // Room for the header, two whole 45-byte records and half a third.
  const size_t record_size = PcapWriter::kRecordHeaderSize + 29;
  std::unique_ptr<PcapWriter> writer;
  Status failed;
  int written = 0;
  {
    ScopedFileSizeLimit limit(PcapWriter::kFileHeaderSize + 2 * record_size +
                              record_size / 2);
    writer = OpenOrDie(path);
    ASSERT_NE(writer, nullptr);
    for (; written < 5; ++written) {
      failed = writer->Write(Datagram(uint8_t(written)), kStart);
      if (!failed.ok()) {
        break;
      }
    }
  }

  ASSERT_EQ(written, 2);
  EXPECT_THAT(failed.message(), HasSubstr("cannot write record 3"));
  EXPECT_THAT(failed.message(), HasSubstr("keeps the 2 records before it"));
  EXPECT_EQ(ReadFileBytes(path).size(),
            PcapWriter::kFileHeaderSize + 2 * record_size);
  auto read = ReadPcap(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->records.size(), 2u);
  EXPECT_EQ(read->records[1].bytes, Datagram(1));
  // The writer stays failed; closing it reports nothing more.
  EXPECT_FALSE(writer->Write(Datagram(9), kStart).ok());
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_EQ(ReadPcap(path)->records.size(), 2u);
}

TEST(PcapWriterTest, FailsToOpenWhenNotEvenTheHeaderFits) {
  ScopedTempDir dir;
  const std::string path = dir.File("no-room.pcap");
  ScopedFileSizeLimit limit(10);

  auto opened = PcapWriter::Open(path);

  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.error().message, HasSubstr(path));
}

}  // namespace
}  // namespace hoplab::replay
