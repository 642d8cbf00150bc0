#include "core/dataset/tsv.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(TsvTest, EscapesSpecialBytesAndRoundTrips) {
  const std::string raw = "a\tb\nc\\d\re é";
  std::string out;
  AppendTsvEscaped(raw, &out);
  EXPECT_EQ(out, "a\\tb\\nc\\\\d\\re é");
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string back, TsvUnescape(out));
  EXPECT_EQ(back, raw);
}

TEST(TsvTest, RejectsBadEscapes) {
  EXPECT_THAT(TsvUnescape("abc\\"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TsvUnescape("a\\qb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TsvTest, SplitsOnTabsAndUnescapes) {
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<std::string> f,
                              SplitTsvLine("x\ty\\tz\t"));
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "x");
  EXPECT_EQ(f[1], "y\tz");
  EXPECT_EQ(f[2], "");
}

}  // namespace
}  // namespace tailor
