#include "ranker/engine/exposure_log.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tailor::ranker {
namespace {

class ExposureLogTest : public ::testing::Test {
 protected:
  ExposureLogOptions Options() {
    ExposureLogOptions o;
    o.fs = fs_.get();
    o.clock = &clock_;
    o.path = "/logs/exposures.jsonl";
    return o;
  }
  ExposureRecord Record(int i) {
    ExposureRecord r;
    r.time = clock_.Now();
    r.request_id = absl::StrCat("req-", i);
    r.model = "retail";
    r.version = 3;
    r.arm = "treatment";
    r.unit = absl::StrCat("u", i);
    r.item_ids = {"a", "b"};
    return r;
  }
  // Every line of every rotated file, in order.
  std::vector<nlohmann::json> ReadAll(const ExposureLog& log) {
    std::vector<nlohmann::json> lines;
    auto files = log.RotatedFiles();
    EXPECT_THAT(files, IsOk());
    for (const std::string& f : *files) {
      auto text = ReadFileToString(fs_.get(), f);
      EXPECT_THAT(text, IsOk());
      for (absl::string_view line : absl::StrSplit(*text, '\n')) {
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
      }
    }
    return lines;
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
};

TEST_F(ExposureLogTest, OneJsonLinePerServedList) {
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(Options()));
  for (int i = 0; i < 5; ++i) TAILOR_ASSERT_OK(log->Append(Record(i)));
  TAILOR_ASSERT_OK(log->Close());
  std::vector<nlohmann::json> lines = ReadAll(*log);
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(lines[i]["request_id"], absl::StrCat("req-", i));
    EXPECT_EQ(lines[i]["unit"], absl::StrCat("u", i));
    EXPECT_EQ(lines[i]["model"], "retail");
    EXPECT_EQ(lines[i]["version"], 3);
    EXPECT_EQ(lines[i]["arm"], "treatment");
    EXPECT_EQ(lines[i]["items"], nlohmann::json({"a", "b"}));
    EXPECT_EQ(lines[i]["ts_ms"], 1700000000000LL);
    EXPECT_FALSE(lines[i].contains("assigned_arm"));
  }
  EXPECT_EQ(log->stats().lines, 5);
  EXPECT_FALSE(fs_->Exists("/logs/exposures.jsonl"));
  EXPECT_THAT(log->Append(Record(9)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ExposureLogTest, RotatesBySize) {
  ExposureLogOptions o = Options();
  const int64_t line_bytes = FormatExposureLine(Record(0)).size();
  o.max_file_bytes = 3 * line_bytes + 1;  // three lines per file
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(o));
  for (int i = 0; i < 10; ++i) TAILOR_ASSERT_OK(log->Append(Record(i)));
  EXPECT_EQ(log->stats().rotations, 3);
  TAILOR_ASSERT_OK(log->Close());
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<std::string> files,
                              log->RotatedFiles());
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0], "/logs/exposures.jsonl.000001");
  EXPECT_EQ(files[3], "/logs/exposures.jsonl.000004");
  for (const std::string& f : files) {
    TAILOR_ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->FileSize(f));
    EXPECT_LE(static_cast<int64_t>(size), o.max_file_bytes) << f;
  }
  std::vector<nlohmann::json> lines = ReadAll(*log);
  ASSERT_EQ(lines.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(lines[i]["request_id"], absl::StrCat("req-", i));
  }
}

TEST_F(ExposureLogTest, RotatesByAge) {
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(Options()));
  TAILOR_ASSERT_OK(log->Append(Record(0)));
  TAILOR_ASSERT_OK(log->RotateIfOld());
  EXPECT_EQ(log->stats().rotations, 0);
  clock_.Advance(absl::Seconds(61));
  TAILOR_ASSERT_OK(log->RotateIfOld());
  EXPECT_EQ(log->stats().rotations, 1);
  EXPECT_EQ(ReadAll(*log).size(), 1u);
  // Nothing to rotate while the active file is empty.
  clock_.Advance(absl::Seconds(61));
  TAILOR_ASSERT_OK(log->RotateIfOld());
  EXPECT_EQ(log->stats().rotations, 1);
}

TEST_F(ExposureLogTest, LeftoverFileIsKeptAndSequenceContinues) {
  {
    TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(Options()));
    TAILOR_ASSERT_OK(log->Append(Record(0)));
    TAILOR_ASSERT_OK(log->Close());
  }
  // A crashed process left an active file behind.
  TAILOR_ASSERT_OK(WriteStringToFile(fs_.get(), "/logs/exposures.jsonl",
                                     FormatExposureLine(Record(1))));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(Options()));
  TAILOR_ASSERT_OK(log->Append(Record(2)));
  TAILOR_ASSERT_OK(log->Close());
  std::vector<nlohmann::json> lines = ReadAll(*log);
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i]["request_id"], absl::StrCat("req-", i));
  }
}

TEST_F(ExposureLogTest, KeepsAtMostMaxRotatedFiles) {
  ExposureLogOptions o = Options();
  o.max_file_bytes = 1;  // one line per file
  o.max_rotated_files = 2;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(o));
  for (int i = 0; i < 5; ++i) TAILOR_ASSERT_OK(log->Append(Record(i)));
  TAILOR_ASSERT_OK(log->Close());
  std::vector<nlohmann::json> lines = ReadAll(*log);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["request_id"], "req-3");
  EXPECT_EQ(lines[1]["request_id"], "req-4");
}

TEST_F(ExposureLogTest, InvalidUtf8IsReplacedNotThrown) {
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(Options()));
  ExposureRecord r = Record(0);
  r.unit = "bad\xff\xfe";
  TAILOR_ASSERT_OK(log->Append(r));
  TAILOR_ASSERT_OK(log->Close());
  ASSERT_EQ(ReadAll(*log).size(), 1u);
}

TEST_F(ExposureLogTest, LineIsValidJsonWithEscapes) {
  ExposureRecord r = Record(0);
  r.request_id = "quote\" back\\ tab\t nl\n del\x7f";
  r.segment = "Z\xc3\xbcrich \xf0\x9f\x98\x80";  // valid 2- and 4-byte UTF-8
  r.user =
      "a\xc3(b\xed\xa0\x80"
      "c\xe0\x80\xaf"
      "d";  // truncated, surrogate, overlong
  r.assigned_arm = "control";
  r.cold_start = true;
  r.item_ids = {"x\"y", "", "85123A"};
  const std::string line = FormatExposureLine(r);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["request_id"], r.request_id);
  EXPECT_EQ(j["segment"], r.segment);
  EXPECT_EQ(j["user"],
            "a\xef\xbf\xbd(b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "d");
  EXPECT_EQ(j["assigned_arm"], "control");
  EXPECT_EQ(j["cold_start"], true);
  EXPECT_EQ(j["items"], nlohmann::json({"x\"y", "", "85123A"}));
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j.size(), 13u);
}

TEST_F(ExposureLogTest, ConcurrentAppendsAreWholeLines) {
  ExposureLogOptions o = Options();
  o.max_file_bytes = 4096;
  o.max_rotated_files = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto log, ExposureLog::Create(o));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        EXPECT_THAT(log->Append(Record(t * 1000 + i)), IsOk());
      }
    });
  }
  for (auto& t : threads) t.join();
  TAILOR_ASSERT_OK(log->Close());
  EXPECT_EQ(ReadAll(*log).size(), 1000u);
}

TEST_F(ExposureLogTest, RejectsBadOptions) {
  ExposureLogOptions o = Options();
  o.path = "/logs/";
  EXPECT_THAT(ExposureLog::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument));
  o = Options();
  o.max_file_bytes = 0;
  EXPECT_THAT(ExposureLog::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor::ranker
