#include "tools/ingest/line_reader.h"

#include <vector>

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

// Serves a string in pieces of `step` bytes.
class StringStream final : public ByteStream {
 public:
  StringStream(std::string s, size_t step) : s_(std::move(s)), step_(step) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    const size_t k = std::min({n, step_, s_.size() - pos_});
    std::memcpy(buffer, s_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string s_;
  size_t step_;
  size_t pos_ = 0;
};

// Lines as the ingest driver sees them; over-long lines become "<LONG>".
std::vector<std::string> Lines(const std::string& input, size_t buffer,
                               size_t max_line, size_t step = 3) {
  LineReaderOptions o;
  o.buffer_bytes = buffer;
  o.max_line_bytes = max_line;
  LineReader reader(std::make_unique<StringStream>(input, step), o);
  std::vector<std::string> out;
  LineChunk chunk;
  while (reader.Next(&chunk).value()) {
    if (chunk.overlong) {
      out.push_back("<LONG>");
      continue;
    }
    ForEachLine(chunk.text, [&](absl::string_view l) { out.emplace_back(l); });
  }
  return out;
}

TEST(LineReaderTest, SplitsLinesAcrossSmallBuffers) {
  const std::string in = "a,b\nccc,ddd\n\ne\n";
  for (size_t buffer : {4, 5, 8, 64}) {
    EXPECT_EQ(Lines(in, buffer, 7),
              (std::vector<std::string>{"a,b", "ccc,ddd", "", "e"}))
        << buffer;
  }
}

TEST(LineReaderTest, StripsCrlfAndBomAndKeepsLastLineWithoutNewline) {
  EXPECT_EQ(Lines("\xEF\xBB\xBFh1,h2\r\nx,y\r\nlast", 1024, 100),
            (std::vector<std::string>{"h1,h2", "x,y", "last"}));
}

TEST(LineReaderTest, BomOnlyAtTheStart) {
  EXPECT_EQ(Lines("a\n\xEF\xBB\xBF"
                  "b\n",
                  1024, 100),
            (std::vector<std::string>{"a",
                                      "\xEF\xBB\xBF"
                                      "b"}));
}

TEST(LineReaderTest, OverlongLinesAreReportedOnceAndSkipped) {
  const std::string long_line(100, 'x');
  EXPECT_EQ(Lines("ok\n" + long_line + "\nnext\n", 16, 10),
            (std::vector<std::string>{"ok", "<LONG>", "next"}));
  EXPECT_EQ(Lines(long_line, 16, 10), (std::vector<std::string>{"<LONG>"}));
}

// With double_buffer each chunk is still intact while the next one is in
// use, and the lines are the same as without.
TEST(LineReaderTest, DoubleBufferKeepsThePreviousChunk) {
  std::string input;
  for (int i = 0; i < 200; ++i) {
    input += std::string(i % 7, 'a' + i % 26) + "," + std::to_string(i);
    input += i % 50 == 0 ? std::string(40, 'L') + "\n" : "\n";
  }
  for (size_t buffer : {16, 24, 64}) {
    LineReaderOptions o;
    o.buffer_bytes = buffer;
    o.max_line_bytes = 20;
    o.double_buffer = true;
    LineReader reader(std::make_unique<StringStream>(input, 5), o);
    std::vector<std::string> lines;
    LineChunk chunk, previous;
    std::string previous_copy;
    bool have_previous = false;
    while (reader.Next(&chunk).value()) {
      if (have_previous) {
        EXPECT_EQ(std::string(previous.text), previous_copy) << buffer;
      }
      if (chunk.overlong) {
        lines.push_back("<LONG>");
      } else {
        ForEachLine(chunk.text,
                    [&](absl::string_view l) { lines.emplace_back(l); });
      }
      previous = chunk;
      previous_copy = std::string(chunk.text);
      have_previous = true;
    }
    EXPECT_EQ(lines, Lines(input, buffer, 20, 5)) << buffer;
  }
}

TEST(LineReaderTest, EmptyInputHasNoChunks) {
  EXPECT_TRUE(Lines("", 16, 10).empty());
  EXPECT_TRUE(Lines("\xEF\xBB\xBF", 16, 10).empty());
}

}  // namespace
}  // namespace tailor
