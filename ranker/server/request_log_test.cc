// The ranker's request log (RankerServiceOptions::request_log): one
// parseable JSON line per finished Rank call, with the caller's request id,
// the serving model and version, the status code and the latency; none for
// GetModelStatus and none when the log is off.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/logging/async_log_sink.h"
#include "core/logging/json_log.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "ranker/server/fake_rank_engine.h"
#include "ranker/server/ranker_server.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor::ranker {
namespace {

class CapturingSink : public logging::LogSink {
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

class RequestLogTest : public ::testing::Test {
 protected:
  void Start(bool log_requests) {
    RankerServerOptions options;
    options.service.work.threads = 2;
    options.poll_interval = absl::Hours(1);
    if (log_requests) options.service.request_log = &logger_;
    auto server = RankerServer::Start(options, &engine_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = tailor::v1::Ranker::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Rank(const std::string& request_id, uint32_t count) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    tailor::v1::RankRequest request;
    request.set_model_name("m");
    request.set_user_id("u1");
    request.set_count(count);
    request.set_request_id(request_id);
    tailor::v1::RankResponse response;
    return stub_->Rank(&context, request, &response);
  }

  CapturingSink capture_;
  logging::AsyncLogSink async_{{&capture_, 1000}};
  logging::Logger logger_{
      {"tailor_ranker", logging::LogFormat::kJson, &async_, nullptr}};
  FakeRankEngine engine_;
  std::unique_ptr<RankerServer> server_;
  std::unique_ptr<tailor::v1::Ranker::Stub> stub_;
};

TEST_F(RequestLogTest, OneParseableLinePerRankCallWithItsRequestId) {
  engine_.SetVersion(7);
  Start(/*log_requests=*/true);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Rank(absl::StrCat("req-", i), 3).ok());
  }
  // count 0 is valid (means 10); 5000 is out of range: INVALID_ARGUMENT.
  ASSERT_EQ(Rank("bad-count", 5000).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // GetModelStatus is not a Rank call: no line.
  {
    grpc::ClientContext context;
    tailor::v1::GetModelStatusResponse status;
    ASSERT_TRUE(stub_->GetModelStatus(&context, {}, &status).ok());
  }
  server_->Shutdown(absl::Seconds(1));
  async_.Flush();

  const std::vector<std::string> lines = capture_.lines();
  ASSERT_EQ(lines.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(lines[i].back(), '\n');
    ASSERT_EQ(lines[i].find('\n'), lines[i].size() - 1) << lines[i];
    const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << lines[i];
    EXPECT_EQ(j["component"], "tailor_ranker");
    EXPECT_EQ(j["message"], "rank");
    EXPECT_TRUE(j["time"].is_string());
    EXPECT_TRUE(j["latency_us"].is_number_integer());
    EXPECT_GE(j["latency_us"].get<int64_t>(), 0);
    EXPECT_EQ(j["model"], "m");
    if (i < 5) {
      EXPECT_EQ(j["request_id"], absl::StrCat("req-", i));
      EXPECT_EQ(j["level"], "INFO");
      EXPECT_EQ(j["code"], "OK");
      EXPECT_EQ(j["version"], 7);
      EXPECT_EQ(j["items"], 3);
      EXPECT_FALSE(j.contains("error"));
    } else {
      EXPECT_EQ(j["request_id"], "bad-count");
      EXPECT_EQ(j["level"], "WARNING");
      EXPECT_EQ(j["code"], "INVALID_ARGUMENT");
      EXPECT_TRUE(j["version"].is_null());
      EXPECT_TRUE(j["error"].is_string());
    }
  }
}

TEST_F(RequestLogTest, NothingIsLoggedWhenTheLogIsOff) {
  engine_.SetVersion(1);
  Start(/*log_requests=*/false);
  ASSERT_TRUE(Rank("req-0", 2).ok());
  server_->Shutdown(absl::Seconds(1));
  async_.Flush();
  EXPECT_TRUE(capture_.lines().empty());
}

TEST(LogRankCallTest, CutsLongRequestIdsAndErrors) {
  CapturingSink capture;
  logging::Logger logger(
      {"tailor_ranker", logging::LogFormat::kJson, &capture, nullptr});
  tailor::v1::RankRequest request;
  request.set_model_name("m");
  request.set_request_id(std::string(1000, 'r'));
  LogRankCall(&logger, request, nullptr,
              absl::UnavailableError(std::string(5000, 'e')),
              absl::Microseconds(42));
  const std::vector<std::string> lines = capture.lines();
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["request_id"].get<std::string>().size(), 128u);
  EXPECT_EQ(j["error"].get<std::string>().size(), 256u);
  EXPECT_EQ(j["code"], "UNAVAILABLE");
  EXPECT_EQ(j["latency_us"], 42);
  EXPECT_LT(lines[0].size(), 1024u);
}

}  // namespace
}  // namespace tailor::ranker
