#include "tools/ingest/csv_tokenizer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

std::vector<std::string> Split(absl::string_view line, CsvDialect d = {},
                               TokenizeResult expect = TokenizeResult::kOk) {
  CsvTokenizer t(d);
  EXPECT_EQ(t.Split(line), expect) << line;
  return std::vector<std::string>(t.fields().begin(), t.fields().end());
}

using V = std::vector<std::string>;

TEST(CsvTokenizerTest, PlainFields) {
  EXPECT_EQ(Split("a,b,c"), (V{"a", "b", "c"}));
  EXPECT_EQ(Split(""), (V{""}));
  EXPECT_EQ(Split(",,"), (V{"", "", ""}));
  EXPECT_EQ(Split("a,"), (V{"a", ""}));
}

TEST(CsvTokenizerTest, QuotedFieldsWithDelimitersAndDoubledQuotes) {
  EXPECT_EQ(Split("1,\"AIRLINE LOUNGE,METAL SIGN\",2"),
            (V{"1", "AIRLINE LOUNGE,METAL SIGN", "2"}));
  EXPECT_EQ(Split("\"RECORD FRAME 7\"\" SINGLE\",x"),
            (V{"RECORD FRAME 7\" SINGLE", "x"}));
  EXPECT_EQ(Split("\"\",\"a\"\"\"\"b\",\"\"\"\""), (V{"", "a\"\"b", "\""}));
  EXPECT_EQ(Split("\"x\","), (V{"x", ""}));
  EXPECT_EQ(Split("a\"b,c"), (V{"a\"b", "c"}));  // quote inside unquoted
}

TEST(CsvTokenizerTest, ManyEscapedFieldsStayValid) {
  // Views into scratch must survive later appends.
  std::string line;
  V expect;
  for (int i = 0; i < 50; ++i) {
    line += "\"q\"\"" + std::to_string(i) + "\",";
    expect.push_back("q\"" + std::to_string(i));
  }
  line += "end";
  expect.push_back("end");
  EXPECT_EQ(Split(line), expect);
}

TEST(CsvTokenizerTest, MalformedQuotes) {
  Split("a,\"unterminated", {}, TokenizeResult::kUnterminatedQuote);
  Split("\"a\"b,c", {}, TokenizeResult::kTextAfterQuote);
}

TEST(CsvTokenizerTest, TabsAndNoQuoting) {
  EXPECT_EQ(Split("196\t242\t3\t881250949", {'\t', true}),
            (V{"196", "242", "3", "881250949"}));
  EXPECT_EQ(Split("\"a|b\"|c", {'|', false}), (V{"\"a", "b\"", "c"}));
}

}  // namespace
}  // namespace tailor
