// ParseReplyView against ParseReply over every record of every capture in
// captures/ (real traces of several tools, the problem cases, and
// hoplab's own), whole and cut to every length.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "replay/capture_reader.h"
#include "replay/link_layer.h"
#include "tests/crafter/reply_equivalence.h"

namespace hoplab::replay {
namespace {

std::vector<std::string> CaptureFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator("captures")) {
    const std::string extension = entry.path().extension().string();
    if (extension == ".pcap" || extension == ".pcapng") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ReplyViewCapturesTest, AgreesWithParseReplyOnEveryRecordAndPrefix) {
  const std::vector<std::string> files = CaptureFiles();
  ASSERT_GE(files.size(), 40u) << "run from the repository root";
  // The link options the MANIFEST gives c25-qinq-8200.pcap.
  LinkOptions link;
  link.extra_tag_types = {0x8200};
  size_t num_datagrams = 0;
  size_t num_replies = 0;
  for (const std::string& file : files) {
    auto reader = CaptureReader::Open(file);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    while (true) {
      auto next = (*reader)->Next();
      ASSERT_TRUE(next.ok()) << next.error().message;
      if (!next->has_value()) {
        break;
      }
      const CaptureRecord& record = **next;
      auto payload = StripLinkLayer(record.link_type, record.bytes, link);
      if (!payload.ok() || payload->kind != LinkPayloadKind::kIpv4) {
        continue;
      }
      const std::span<const uint8_t> datagram = payload->datagram;
      ++num_datagrams;
      num_replies += crafter::ParseReply(datagram).ok() ? 1 : 0;
      for (size_t size = 0; size <= datagram.size(); ++size) {
        // Copied, so that AddressSanitizer sees any read past the end.
        const std::vector<uint8_t> prefix(datagram.begin(),
                                          datagram.begin() + ptrdiff_t(size));
        ASSERT_EQ(crafter::ReplyViewDisagreement(prefix), "")
            << file << " record " << record.number << " cut to " << size
            << " bytes";
      }
    }
  }
  // Probes and replies alike: the probes fail in both parsers.
  EXPECT_GT(num_datagrams, 1000u);
  EXPECT_GT(num_replies, 500u);
}

}  // namespace
}  // namespace hoplab::replay
