#include "parameter_server/ps_metrics.h"

#include <memory>
#include <string>

#include "core/file_system.h"
#include "core/metrics/metric_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PsMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewInMemoryFileSystem();
    ShardStateOptions options;
    options.shard_index = 1;
    options.num_shards = 3;
    options.fs = fs_.get();
    state_ = *ShardState::Create(options);
    metrics_ = std::make_unique<PsMetrics>(&registry_, state_.get());
  }

  std::unique_ptr<FileSystem> fs_;
  std::unique_ptr<ShardState> state_;
  metrics::MetricRegistry registry_;
  std::unique_ptr<PsMetrics> metrics_;
};

TEST_F(PsMetricsTest, CallsByMethodAndCode) {
  metrics_->ObserveCall("Pull", absl::StatusCode::kOk, 0.001);
  metrics_->ObserveCall("Pull", absl::StatusCode::kOk, 0.002);
  metrics_->ObserveCall("Push", absl::StatusCode::kInvalidArgument, 0.5);
  const std::string text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ps_requests_total{method=\"Pull\","
                              "code=\"OK\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_requests_total{method=\"Push\","
                              "code=\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_request_duration_seconds_count{"
                              "method=\"Pull\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE tailor_ps_request_duration_seconds "
                              "histogram"));
}

TEST_F(PsMetricsTest, PushesRowsDedupAndCheckpoints) {
  metrics_->ObservePush(10, 4, false);
  metrics_->ObservePush(0, 0, true);
  metrics_->ObservePulledRows(7);
  metrics_->ObserveCheckpoint(14, 560, 0.25);
  const std::string text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ps_rows_total{op=\"pushed\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_rows_total{op=\"created\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_rows_total{op=\"pulled\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_pushes_deduplicated_total 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_checkpoints_total 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_checkpoint_bytes_total 560\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_ps_last_checkpoint_duration_seconds 0.25\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ps_shard_info{shard_index=\"1\","
                              "num_shards=\"3\"} 1\n"));
}

TEST_F(PsMetricsTest, TablesAndPayloadBytesAtScrape) {
  TableSpec spec;
  spec.name = "items";
  spec.dim = 4;
  bool existed = false;
  ASSERT_TRUE(state_->CreateTable(spec, &existed).ok());
  state_->stats().Record("Pull", absl::Milliseconds(1), true, 100, 300);
  std::string text = registry_.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ps_table_rows{table=\"items\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_ps_payload_bytes_total{direction=\"in\"} 100"));
  EXPECT_THAT(
      text, HasSubstr("tailor_ps_payload_bytes_total{direction=\"out\"} 300"));
  // A scrape counts only what is new since the last one.
  state_->stats().Record("Pull", absl::Milliseconds(1), true, 5, 0);
  text = registry_.TextExposition();
  EXPECT_THAT(text,
              HasSubstr("tailor_ps_payload_bytes_total{direction=\"in\"} 105"));
  // After GetStats(reset) the new total is all new, never negative.
  state_->stats().Get(/*reset=*/true);
  state_->stats().Record("Pull", absl::Milliseconds(1), true, 2, 0);
  text = registry_.TextExposition();
  EXPECT_THAT(text,
              HasSubstr("tailor_ps_payload_bytes_total{direction=\"in\"} 107"));
  EXPECT_THAT(text, Not(HasSubstr("-")));
}

}  // namespace
}  // namespace tailor
