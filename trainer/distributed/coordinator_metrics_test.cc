#include "trainer/distributed/coordinator_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::distributed {
namespace {

using tailor::v1::GetJobStatusResponse;
using ::testing::HasSubstr;

GetJobStatusResponse Status() {
  GetJobStatusResponse s;
  s.set_state(tailor::v1::JOB_STATE_EVALUATING);
  s.set_iteration(2);
  s.set_iterations(10);
  s.set_last_checkpoint_iteration(1);
  s.set_best_metric(0.25);
  for (int i = 0; i < 2; ++i) {
    tailor::v1::IterationMetrics* m = s.add_history();
    m->set_iteration(i);
    m->set_loss(10.0 - i);
    m->set_duration_ms(1500);
    m->set_rows_solved(100);
    m->set_bytes_moved(4000);
    if (i == 0) (*m->mutable_metrics())["ndcg@10"] = 0.25;
  }
  s.add_workers()->set_state(tailor::v1::WORKER_STATE_BUSY);
  s.add_workers()->set_state(tailor::v1::WORKER_STATE_BUSY);
  s.add_workers()->set_state(tailor::v1::WORKER_STATE_LOST);
  tailor::v1::ShardStatus* shard = s.add_shards();
  shard->set_shard_index(0);
  shard->set_healthy(true);
  shard->set_rows(77);
  s.add_shards()->set_shard_index(1);
  return s;
}

TEST(CoordinatorMetricsTest, GaugesFromTheJobStatusAtScrape) {
  metrics::MetricRegistry registry;
  int calls = 0;
  CoordinatorMetrics m(&registry, [&](GetJobStatusResponse* out) {
    ++calls;
    *out = Status();
    return absl::OkStatus();
  });
  const std::string text = registry.TextExposition();
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_iteration 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_iterations 10\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_iterations_done 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("tailor_coordinator_job_state{state=\"evaluating\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_job_state{state=\"running\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_workers{state=\"busy\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_workers{state=\"lost\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_workers{state=\"idle\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_shards_healthy 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_shard_rows{shard=\"0\"} 77\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_training_loss 9\n"));
  EXPECT_THAT(
      text,
      HasSubstr("tailor_coordinator_eval_metric{metric=\"ndcg@10\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_rows_solved 200\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_bytes_moved 8000\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_coordinator_last_iteration_seconds 1.5\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_status_error 0\n"));
}

TEST(CoordinatorMetricsTest, UnreadableStatusIsFlagged) {
  metrics::MetricRegistry registry;
  CoordinatorMetrics m(&registry, [](GetJobStatusResponse*) {
    return absl::UnavailableError("no job");
  });
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("tailor_coordinator_status_error 1\n"));
}

}  // namespace
}  // namespace tailor::distributed
