#include "trainer/distributed/coordinator_event_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::distributed {
namespace {

using ::testing::HasSubstr;

TEST(CoordinatorEventMetricsTest, SeriesStartAtZero) {
  metrics::MetricRegistry registry;
  CoordinatorEventMetrics events(&registry);
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text,
              HasSubstr("# TYPE tailor_coordinator_rollbacks_total "
                        "counter\ntailor_coordinator_rollbacks_total 0\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_task_reassignments_total{"
                              "reason=\"deadline\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_workers_lost_total{reason="
                              "\"lease_expired\"} 0\n"));
}

TEST(CoordinatorEventMetricsTest, CountsEachEventByReason) {
  metrics::MetricRegistry registry;
  CoordinatorEventMetrics metrics(&registry);
  CoordinatorEvents* events = &metrics;
  events->OnRollback();
  events->OnRollback();
  events->OnWorkerLost("lease_expired");
  events->OnWorkerLost("replaced");
  events->OnWorkerLost("lease_expired");
  events->OnTaskReassigned("worker_lost");
  events->OnTaskReassigned("deadline");
  events->OnTaskReassigned("worker_lost");
  events->OnTaskReassigned("worker_lost");
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_rollbacks_total 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_workers_lost_total{reason="
                              "\"lease_expired\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_workers_lost_total{reason="
                              "\"replaced\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_task_reassignments_total{"
                              "reason=\"worker_lost\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("tailor_coordinator_task_reassignments_total{"
                              "reason=\"deadline\"} 1\n"));
}

}  // namespace
}  // namespace tailor::distributed
