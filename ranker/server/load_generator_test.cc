#include "ranker/server/load_generator.h"

#include <memory>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ranker/server/fake_rank_engine.h"
#include "ranker/server/ranker_server.h"

namespace tailor::ranker {
namespace {

RequestMix Mix() {
  RequestMix mix;
  mix.model_name = "m";
  mix.known_user_ids = {"u1", "u2", "u3"};
  mix.item_ids = {"i1", "i2", "i3", "i4"};
  mix.count = 20;
  return mix;
}

TEST(SummarizeTest, NearestRankPercentiles) {
  std::vector<double> ms;
  for (int i = 1000; i >= 1; --i) ms.push_back(i);  // 1..1000, unsorted
  LatencySummary s = Summarize(ms);
  EXPECT_EQ(s.count, 1000);
  EXPECT_DOUBLE_EQ(s.p50_ms, 500);
  EXPECT_DOUBLE_EQ(s.p90_ms, 900);
  EXPECT_DOUBLE_EQ(s.p99_ms, 990);
  EXPECT_DOUBLE_EQ(s.p999_ms, 999);
  EXPECT_DOUBLE_EQ(s.max_ms, 1000);
  EXPECT_DOUBLE_EQ(s.mean_ms, 500.5);
}

TEST(SummarizeTest, EmptyAndSingle) {
  std::vector<double> none;
  EXPECT_EQ(Summarize(none).count, 0);
  std::vector<double> one = {3.5};
  LatencySummary s = Summarize(one);
  EXPECT_DOUBLE_EQ(s.p50_ms, 3.5);
  EXPECT_DOUBLE_EQ(s.p999_ms, 3.5);
}

TEST(MakeRequestTest, FollowsTheMixWeights) {
  RequestMix mix = Mix();
  mix.known_weight = 2;
  mix.folded_weight = 1;
  mix.anonymous_weight = 1;
  std::mt19937_64 rng(7);
  std::map<std::string, int> kinds;
  for (int i = 0; i < 8000; ++i) {
    tailor::v1::RankRequest r = MakeRequest(mix, i, rng);
    ++kinds[RequestKind(r)];
    EXPECT_EQ(r.model_name(), "m");
    EXPECT_EQ(r.count(), 20u);
    if (RequestKind(r) == "folded_in") {
      EXPECT_EQ(r.recent_interactions_size(), 5);
    }
  }
  EXPECT_NEAR(kinds["known"], 4000, 200);
  EXPECT_NEAR(kinds["folded_in"], 2000, 150);
  EXPECT_NEAR(kinds["anonymous"], 2000, 150);
}

TEST(MakeRequestTest, SameSeedSameRequests) {
  RequestMix mix = Mix();
  std::mt19937_64 a(3), b(3);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(MakeRequest(mix, i, a).SerializeAsString(),
              MakeRequest(mix, i, b).SerializeAsString());
  }
}

TEST(ValidateMixTest, RefusesMixesThatCannotBeBuilt) {
  RequestMix mix = Mix();
  EXPECT_TRUE(ValidateMix(mix).ok());
  mix.known_user_ids.clear();
  EXPECT_EQ(ValidateMix(mix).code(), absl::StatusCode::kInvalidArgument);
  mix = Mix();
  mix.known_weight = mix.folded_weight = mix.anonymous_weight = 0;
  EXPECT_EQ(ValidateMix(mix).code(), absl::StatusCode::kInvalidArgument);
  mix = Mix();
  mix.count = 0;
  EXPECT_EQ(ValidateMix(mix).code(), absl::StatusCode::kInvalidArgument);
}

class LoadGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.SetVersion(3);
    RankerServerOptions options;
    options.metrics_port = -1;
    auto server = RankerServer::Start(options, &engine_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channels_.push_back(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
  }

  FakeRankEngine engine_;
  std::unique_ptr<RankerServer> server_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(LoadGeneratorTest, ClosedLoopSendsExactlyTheRequestCount) {
  LoadOptions options;
  options.mode = LoadOptions::Mode::kClosedLoop;
  options.concurrency = 4;
  options.duration = absl::ZeroDuration();
  options.max_requests = 300;
  options.mix = Mix();
  absl::StatusOr<LoadReport> report = RunLoad(options, channels_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->sent, 300);
  EXPECT_EQ(report->ok, 300);
  EXPECT_EQ(report->latency.count, 300);
  EXPECT_EQ(report->ok_by_version.at(3), 300);
  EXPECT_EQ(engine_.rank_calls(), 300);
  EXPECT_GT(report->qps, 0);
  EXPECT_LE(report->latency.p50_ms, report->latency.p99_ms);
  int64_t by_kind = 0;
  for (const auto& [kind, n] : report->sent_by_kind) by_kind += n;
  EXPECT_EQ(by_kind, 300);
  // The fake marks requests without a user as cold start.
  EXPECT_EQ(report->cold_start, report->sent_by_kind["anonymous"]);
}

TEST_F(LoadGeneratorTest, OpenLoopKeepsTheRate) {
  LoadOptions options;
  options.mode = LoadOptions::Mode::kOpenLoop;
  options.rate_per_s = 400;
  options.duration = absl::Milliseconds(500);
  options.mix = Mix();
  absl::StatusOr<LoadReport> report = RunLoad(options, channels_);
  ASSERT_TRUE(report.ok()) << report.status();
  // 400/s for 0.5 s: 200 starts scheduled (the bound is on schedule time).
  EXPECT_EQ(report->sent + report->skipped, 200);
  EXPECT_EQ(report->ok, report->sent);
}

TEST_F(LoadGeneratorTest, ErrorsAreCountedByCode) {
  engine_.SetFailure(absl::InvalidArgumentError("count: bad"));
  LoadOptions options;
  options.duration = absl::ZeroDuration();
  options.max_requests = 20;
  options.concurrency = 2;
  options.mix = Mix();
  absl::StatusOr<LoadReport> report = RunLoad(options, channels_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->ok, 0);
  EXPECT_EQ(report->errors_by_code.at("INVALID_ARGUMENT"), 20);
}

TEST_F(LoadGeneratorTest, EventSplitsTheCallsIntoWindows) {
  // From the event on the engine fails every call: the failures must be
  // counted in the window after the event, none in the window before it.
  LoadOptions options;
  options.mode = LoadOptions::Mode::kOpenLoop;
  options.rate_per_s = 200;
  options.duration = absl::Milliseconds(800);
  options.mix = Mix();
  options.event_at = absl::Milliseconds(400);
  options.event_window = absl::Milliseconds(200);
  options.event = [this] {
    engine_.SetFailure(absl::UnavailableError("swapping"));
  };
  absl::StatusOr<LoadReport> report = RunLoad(options, channels_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->has_event);
  // 200/s: 40 calls scheduled in each 200 ms window.
  EXPECT_EQ(report->latency_before_event.count, 40);
  EXPECT_EQ(report->latency_event_window.count, 40);
  EXPECT_EQ(report->failed_before_event, 0);
  // Calls of the window sent before the event thread ran (it may be late
  // on a loaded machine) still succeed; most of the window fails.
  EXPECT_GE(report->failed_in_event_window, 20);
  EXPECT_LE(report->failed_in_event_window, 40);
  EXPECT_GT(report->errors_by_code.at("UNAVAILABLE"), 0);
}

TEST_F(LoadGeneratorTest, BadEventWindowIsRefused) {
  LoadOptions options;
  options.max_requests = 10;
  options.mix = Mix();
  options.event = [] {};
  options.event_window = absl::ZeroDuration();
  EXPECT_EQ(RunLoad(options, channels_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(LoadGeneratorTest, UnboundedRunIsRefused) {
  LoadOptions options;
  options.duration = absl::ZeroDuration();
  options.max_requests = 0;
  options.mix = Mix();
  EXPECT_EQ(RunLoad(options, channels_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor::ranker
