#include "tools/netfault/h2_frame_scanner.h"

#include <string>

#include "gtest/gtest.h"

namespace tailor {
namespace netfault {
namespace {

std::string Frame(uint32_t length, unsigned char type, unsigned char flags,
                  uint32_t stream) {
  std::string f;
  f.push_back(static_cast<char>((length >> 16) & 0xff));
  f.push_back(static_cast<char>((length >> 8) & 0xff));
  f.push_back(static_cast<char>(length & 0xff));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    f.push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  f.append(length, 'x');
  return f;
}

TEST(H2FrameScannerTest, FindsTrailersAmongOtherFrames) {
  // SETTINGS, HEADERS (no END_STREAM), DATA, HEADERS with END_STREAM.
  const std::string settings = Frame(6, 0x4, 0, 0);
  const std::string headers = Frame(10, 0x1, 0x4, 1);
  const std::string data = Frame(20, 0x0, 0, 1);
  const std::string trailers = Frame(5, 0x1, 0x5, 1);
  H2FrameScanner scanner;
  const std::vector<size_t> ends =
      scanner.Feed(settings + headers + data + trailers);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0], settings.size() + headers.size() + data.size());
  EXPECT_EQ(scanner.frames_seen(), 4);
}

TEST(H2FrameScannerTest, DataWithEndStreamIsNotTrailers) {
  H2FrameScanner scanner;
  EXPECT_TRUE(scanner.Feed(Frame(3, 0x0, 0x1, 1)).empty());
}

TEST(H2FrameScannerTest, FramesSplitAcrossReadsAreFollowed) {
  const std::string stream = Frame(100, 0x0, 0, 1) + Frame(4, 0x1, 0x5, 1) +
                             Frame(0, 0x6, 0, 0) + Frame(2, 0x1, 0x5, 3);
  // Feed one byte at a time: the trailers are found where their header
  // completes, twice.
  H2FrameScanner scanner;
  int found = 0;
  for (char c : stream) {
    found += static_cast<int>(scanner.Feed(absl::string_view(&c, 1)).size());
  }
  EXPECT_EQ(found, 2);
  EXPECT_EQ(scanner.frames_seen(), 4);
  // Split in the middle of the second frame's header.
  H2FrameScanner split;
  const size_t cut = 109 + 4;
  EXPECT_TRUE(split.Feed(stream.substr(0, cut)).empty());
  const std::vector<size_t> ends = split.Feed(stream.substr(cut));
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0], 0u);
  EXPECT_EQ(ends[1], stream.size() - cut - 11);
}

}  // namespace
}  // namespace netfault
}  // namespace tailor
