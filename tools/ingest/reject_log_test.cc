#include "tools/ingest/reject_log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(RejectLogTest, CountsByReasonAndKeepsFirstExamples) {
  RejectLog log(2);
  for (int i = 1; i <= 5; ++i) log.Add("bad_value", true, "f.csv", i, "x", "");
  log.Add("cancellation", false, "f.csv", 9, "C1", "");
  EXPECT_EQ(log.total(), 6);
  EXPECT_EQ(log.errors(), 5);
  const ReasonCount& bad = log.reasons().at("bad_value");
  EXPECT_EQ(bad.count, 5);
  ASSERT_EQ(bad.examples.size(), 2u);
  EXPECT_EQ(bad.examples[1].line, 2);
  EXPECT_FALSE(log.reasons().at("cancellation").is_error);
}

TEST(RejectLogTest, DescribeNamesFileLineReasonAndEscapesText) {
  RejectExample ex{"in.csv", 42, "a\tb\x01", "value"};
  EXPECT_EQ(RejectLog::Describe("bad_value", ex),
            "in.csv:42: bad_value (value): \"a\\tb\\x01\"");
}

TEST(RejectLogTest, LongLinesAreCut) {
  RejectLog log;
  log.Add("line_too_long", true, "f", 1, std::string(5000, 'x'), "");
  EXPECT_EQ(log.reasons().at("line_too_long").examples[0].text.size(),
            RejectLog::kMaxExampleBytes);
}

}  // namespace
}  // namespace tailor
