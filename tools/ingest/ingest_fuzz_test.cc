// Fuzz-style tests: random bytes (fixed seeds, many iterations) through the
// tokenizer, the field parsers, the line reader and the whole ingest. They
// assert no crash and consistent counts.

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/ingest/csv_tokenizer.h"
#include "tools/ingest/field_parsers.h"
#include "tools/ingest/ingest.h"
#include "tools/ingest/test_util.h"

namespace tailor {
namespace {

// Random text biased towards the bytes that matter to CSV.
std::string RandomText(std::mt19937& rng, size_t max_len) {
  static const char kAlphabet[] = ",,,\"\"\n\n\r\t 0123456789.-+eEnaifuC\\";
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) {
    const uint32_t r = rng() % 10;
    c = r < 7 ? kAlphabet[rng() % (sizeof(kAlphabet) - 1)]
              : static_cast<char>(rng() & 0xff);
  }
  return s;
}

TEST(IngestFuzzTest, TokenizerNeverCrashesAndFieldsStayInsideTheLine) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 200000; ++iter) {
    const std::string line = RandomText(rng, 40);
    CsvTokenizer t({rng() % 2 ? ',' : '\t', rng() % 4 != 0});
    const TokenizeResult r = t.Split(line);
    if (r != TokenizeResult::kOk) continue;
    ASSERT_GE(t.fields().size(), 1u);
    size_t total = 0;
    for (absl::string_view f : t.fields()) total += f.size();
    ASSERT_LE(total + t.fields().size() - 1, line.size()) << line;
  }
}

TEST(IngestFuzzTest, FieldParsersNeverCrash) {
  std::mt19937 rng(777);
  for (int iter = 0; iter < 200000; ++iter) {
    const std::string s = RandomText(rng, 24);
    float f;
    double d;
    int64_t t;
    if (ParseFloatField(s, &f) == NumberParse::kOk)
      ASSERT_TRUE(std::isfinite(f));
    if (ParseDoubleField(s, &d) == NumberParse::kOk)
      ASSERT_TRUE(std::isfinite(d));
    ParseTimestampField(s, TimestampFormat::kAuto, &t);
    const bool valid = IsValidUtf8(s);
    ASSERT_TRUE(IsValidUtf8(Latin1ToUtf8(s)));
    (void)valid;
    NormalizeNumericId(s);
  }
}

// The whole ingest on random files: never a crash; on success the counts
// add up and the dataset reads back; on failure a clear status.
TEST(IngestFuzzTest, WholeIngestOnRandomInputs) {
  std::mt19937 rng(2024);
  int succeeded = 0;
  for (int iter = 0; iter < 300; ++iter) {
    auto fs = NewInMemoryFileSystem();
    std::string body = iter % 3 == 0 ? "" : "user,item,value,ts\n";
    const int lines = static_cast<int>(rng() % 60);
    for (int i = 0; i < lines; ++i) {
      if (rng() % 3 == 0) {
        body += RandomText(rng, 30) + "\n";
      } else {
        body += absl::StrCat("u", rng() % 9, ",i", rng() % 7, ",", rng() % 5,
                             ",", rng() % 1000, "\n");
      }
    }
    std::string file = body;
    if (iter % 5 == 1) file = GzipCompress(body);
    if (iter % 5 == 2) file = GzipCompress(body).substr(0, file.size() / 2 + 1);
    if (iter % 7 == 3) file = RandomText(rng, 300);
    if (iter % 11 == 4) file = "\x1f\x8b" + RandomText(rng, 100);  // fake gzip
    ASSERT_THAT(WriteStringToFile(fs.get(), "/in.csv", file), IsOk());
    IngestOptions o;
    o.fs = fs.get();
    o.output_dir = "/out";
    o.max_error_rate = 1.0;
    o.max_line_bytes = 20 + rng() % 40;
    o.target_partition_entries = 1 + rng() % 8;
    InteractionSource s;
    s.path = "/in.csv";
    s.format.has_header = iter % 3 != 0;
    s.user_column = s.format.has_header ? "user" : "0";
    s.item_column = s.format.has_header ? "item" : "1";
    s.value_column = s.format.has_header ? "value" : "2";
    s.timestamp_column = s.format.has_header ? "ts" : "3";
    o.spec.interactions = {s};
    absl::StatusOr<IngestResult> r = RunIngest(o);
    if (!r.ok()) {
      const absl::StatusCode c = r.status().code();
      ASSERT_TRUE(c == absl::StatusCode::kInvalidArgument ||
                  c == absl::StatusCode::kFailedPrecondition ||
                  c == absl::StatusCode::kDataLoss)
          << r.status();
      ASSERT_FALSE(fs->Exists("/out"));
      continue;
    }
    ++succeeded;
    int64_t rejected = 0;
    for (const auto& [reason, n] : r->manifest.rejected) rejected += n;
    ASSERT_EQ(r->manifest.accepted + rejected, r->manifest.lines_read);
    ASSERT_EQ(r->manifest.interactions, r->manifest.accepted);
    TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/out"));
    TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
    ASSERT_EQ(um.matrix.nnz(), r->manifest.accepted);
  }
  EXPECT_GT(succeeded, 100);
}

}  // namespace
}  // namespace tailor
