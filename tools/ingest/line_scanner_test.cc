#include "tools/ingest/line_scanner.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tools/ingest/csv_tokenizer.h"
#include "tools/ingest/line_reader.h"

namespace tailor {
namespace {

// One line as the scanner reports it: the line, and its fields when split.
struct Seen {
  std::string line;
  bool split;
  std::vector<std::string> fields;
};

std::vector<Seen> Scan(absl::string_view text, char delim, bool quoting) {
  std::vector<Seen> out;
  LineScanner scanner(delim, quoting);
  scanner.Scan(text, [&](const ScannedLine& sl) {
    Seen s{std::string(sl.line), sl.split, {}};
    for (absl::string_view f : sl.fields) {
      // Fields must be views into the line.
      EXPECT_GE(f.data(), sl.line.data());
      EXPECT_LE(f.data() + f.size(), sl.line.data() + sl.line.size());
      s.fields.emplace_back(f);
    }
    out.push_back(std::move(s));
    return true;
  });
  return out;
}

// The reference: ForEachLine and CsvTokenizer::Split, line by line.
void ExpectSameAsTokenizer(absl::string_view text, char delim, bool quoting) {
  const std::vector<Seen> seen = Scan(text, delim, quoting);
  CsvTokenizer tok(CsvDialect{delim, quoting});
  size_t i = 0;
  ForEachLine(text, [&](absl::string_view line) {
    ASSERT_LT(i, seen.size());
    EXPECT_EQ(seen[i].line, line);
    const bool has_quote = quoting && line.find('"') != absl::string_view::npos;
    if (!has_quote) {
      ASSERT_EQ(tok.Split(line), TokenizeResult::kOk);
      if (tok.fields().size() <= LineScanner::kMaxFields) {
        EXPECT_TRUE(seen[i].split) << line;
      }
      if (seen[i].split) {
        ASSERT_EQ(seen[i].fields.size(), tok.fields().size()) << line;
        for (size_t f = 0; f < tok.fields().size(); ++f) {
          EXPECT_EQ(seen[i].fields[f], tok.fields()[f]) << line;
        }
      }
    } else {
      EXPECT_FALSE(seen[i].split) << line;
    }
    ++i;
  });
  EXPECT_EQ(i, seen.size());
}

TEST(LineScannerTest, SplitsLinesAndFields) {
  const std::vector<Seen> s = Scan("a,b,c\n1,,3\n", ',', true);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].line, "a,b,c");
  EXPECT_TRUE(s[0].split);
  EXPECT_EQ(s[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(s[1].fields, (std::vector<std::string>{"1", "", "3"}));
}

TEST(LineScannerTest, CrlfLastLineWithoutNewlineAndEmptyLines) {
  const std::vector<Seen> s = Scan("a,b\r\n\n\r\nc,\r\nd", ',', true);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s[1].line, "");
  EXPECT_EQ(s[2].line, "");
  EXPECT_EQ(s[3].fields, (std::vector<std::string>{"c", ""}));
  EXPECT_EQ(s[4].fields, (std::vector<std::string>{"d"}));
}

TEST(LineScannerTest, QuotedLinesAreLeftToTheTokenizer) {
  const std::vector<Seen> s = Scan("\"a,b\",c\nx\"y,z\n", ',', true);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[0].split);
  EXPECT_FALSE(s[1].split);
  const std::vector<Seen> plain = Scan("x\"y,z\n", ',', false);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_TRUE(plain[0].split);
  EXPECT_EQ(plain[0].fields, (std::vector<std::string>{"x\"y", "z"}));
}

TEST(LineScannerTest, TooManyFieldsAreLeftToTheTokenizer) {
  std::string line(LineScanner::kMaxFields, ',');  // kMaxFields + 1 fields
  std::vector<Seen> s = Scan(line + "\n", ',', true);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_FALSE(s[0].split);
  line.pop_back();  // exactly kMaxFields fields
  s = Scan(line + "\nq\n", ',', true);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(s[0].split);
  EXPECT_EQ(s[0].fields.size(), size_t{LineScanner::kMaxFields});
  EXPECT_EQ(s[1].fields, (std::vector<std::string>{"q"}));
}

TEST(LineScannerTest, StopsWhenTheCallbackSaysSo) {
  LineScanner scanner(',', true);
  int calls = 0;
  EXPECT_FALSE(scanner.Scan("a\nb\nc\n",
                            [&](const ScannedLine&) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
}

TEST(LineScannerTest, NewlineAsDelimiterNeverSplits) {
  const std::vector<Seen> s = Scan("a,b\n", '\n', false);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_FALSE(s[0].split);
  EXPECT_EQ(s[0].line, "a,b");
}

TEST(LineScannerTest, RandomTextMatchesTheTokenizer) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a', '1', ',', '\t', '"', '\r', '\n', ' ', '\xC3'};
  for (int round = 0; round < 300; ++round) {
    std::string text(rng() % 400, ' ');
    for (char& c : text) c = alphabet[rng() % sizeof(alphabet)];
    for (const char delim : {',', '\t'}) {
      for (const bool quoting : {true, false}) {
        ExpectSameAsTokenizer(text, delim, quoting);
      }
    }
  }
}

TEST(LineScannerTest, LongLinesAcrossBlocksMatchTheTokenizer) {
  std::mt19937 rng(11);
  std::string text;
  for (int i = 0; i < 200; ++i) {
    const int fields = 1 + static_cast<int>(rng() % 80);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) text.push_back(',');
      text.append(rng() % 20, 'x');
    }
    text.append(rng() % 3 == 0 ? "\r\n" : "\n");
  }
  ExpectSameAsTokenizer(text, ',', true);
}

}  // namespace
}  // namespace tailor
