#include "core/logging/json_log.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace tailor::logging {
namespace {

class CapturingSink : public LogSink {
 public:
  void Write(absl::string_view line) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

class FixedClock : public Clock {
 public:
  absl::Time Now() override {
    return absl::FromUnixMillis(1767323045678);  // 2026-01-02T03:04:05.678Z
  }
  void SleepFor(absl::Duration) override {}
};

TEST(JsonLogTest, JsonLineHasStandardAndKeyFields) {
  CapturingSink sink;
  FixedClock clock;
  Logger logger({"tailor_ps", LogFormat::kJson, &sink, &clock});
  logger.Log(LogLevel::kWarning, "slow \"call\"",
             {{"port", 4242}, {"table", "items"}, {"ok", true}}, "r-17");
  ASSERT_EQ(sink.lines().size(), 1u);
  const std::string line = sink.lines()[0];
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(j["level"], "WARNING");
  EXPECT_EQ(j["component"], "tailor_ps");
  EXPECT_EQ(j["message"], "slow \"call\"");
  EXPECT_EQ(j["request_id"], "r-17");
  EXPECT_EQ(j["port"], 4242);
  EXPECT_EQ(j["table"], "items");
  EXPECT_EQ(j["ok"], true);
}

TEST(JsonLogTest, NoRequestIdAndReservedFieldNamesArePrefixed) {
  CapturingSink sink;
  FixedClock clock;
  Logger logger({"c", LogFormat::kJson, &sink, &clock});
  logger.Info("m", {{"level", 3}});
  const nlohmann::json j = nlohmann::json::parse(sink.lines().at(0));
  EXPECT_FALSE(j.contains("request_id"));
  EXPECT_EQ(j["level"], "INFO");
  EXPECT_EQ(j["field_level"], 3);
}

TEST(JsonLogTest, NewlinesInMessagesStayOnOneLine) {
  CapturingSink sink;
  Logger logger({"c", LogFormat::kJson, &sink, nullptr});
  logger.Error("two\nlines", {{"path", "/a\nb"}});
  const std::string line = sink.lines().at(0);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(nlohmann::json::parse(line)["message"], "two\nlines");
}

TEST(JsonLogTest, TextFormat) {
  CapturingSink sink;
  FixedClock clock;
  Logger logger({"tailor_ranker", LogFormat::kText, &sink, &clock});
  logger.Log(LogLevel::kInfo, "listening",
             {{"address", "127.0.0.1:5"}, {"note", "a b"}}, "r1");
  EXPECT_EQ(sink.lines().at(0),
            "2026-01-02T03:04:05.678Z INFO tailor_ranker: listening "
            "request_id=r1 address=127.0.0.1:5 note=\"a b\"\n");
}

TEST(JsonLogTest, ParseLogFormat) {
  EXPECT_EQ(*ParseLogFormat("json", "log_format"), LogFormat::kJson);
  EXPECT_EQ(*ParseLogFormat("text", "log_format"), LogFormat::kText);
  absl::StatusOr<LogFormat> bad = ParseLogFormat("xml", "log_format");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::HasSubstr("--log_format='xml'"));
}

}  // namespace
}  // namespace tailor::logging
