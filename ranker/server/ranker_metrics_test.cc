#include "ranker/server/ranker_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

tailor::v1::GetModelStatusResponse Status(int64_t default_version,
                                          bool loading_next) {
  tailor::v1::GetModelStatusResponse status;
  tailor::v1::ModelStatus* model = status.add_models();
  model->set_model_name("m");
  model->set_default_version(default_version);
  auto* v = model->add_versions();
  v->set_version(default_version);
  v->set_state(tailor::v1::MODEL_VERSION_STATE_AVAILABLE);
  if (loading_next) {
    auto* next = model->add_versions();
    next->set_version(default_version + 1);
    next->set_state(tailor::v1::MODEL_VERSION_STATE_LOADING);
  }
  return status;
}

TEST(RankerMetricsTest, CountsCallsByMethodAndCode) {
  metrics::MetricRegistry registry;
  RankerMetrics m(&registry);
  tailor::v1::RankResponse response;
  response.set_model_name("m");
  response.set_model_version(3);
  response.set_experiment_arm("B");
  response.set_cold_start(true);
  m.RecordCall("Rank", absl::OkStatus(), absl::Milliseconds(2), &response);
  m.RecordCall("Rank", absl::InvalidArgumentError("count"),
               absl::Microseconds(50), nullptr);
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ranker_requests_total{method=\"Rank\","
                              "code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_requests_total{method=\"Rank\","
                              "code=\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_served_total{model=\"m\","
                              "version=\"3\",label=\"\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_arm_assignments_total{model=\"m\""
                              ",arm=\"B\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_cold_start_total{model=\"m\"} 1"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_request_latency_seconds_count{"
                              "method=\"Rank\"} 2\n"));
}

TEST(RankerMetricsTest, VersionGaugesFollowTheLatestStatus) {
  metrics::MetricRegistry registry;
  RankerMetrics m(&registry);
  m.UpdateModelStatus(Status(1, /*loading_next=*/true));
  std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ranker_model_versions{model=\"m\","
                              "version=\"2\",state=\"LOADING\"} 1\n"));
  m.UpdateModelStatus(Status(2, /*loading_next=*/false));
  text = registry.TextExposition();
  EXPECT_THAT(text, Not(HasSubstr("state=\"LOADING\"")));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_model_versions{model=\"m\","
                              "version=\"2\",state=\"AVAILABLE\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tailor_ranker_default_version{model=\"m\"} 2\n"));
}

TEST(RankerMetricsTest, CountsASwapWhenTheDefaultVersionChanges) {
  metrics::MetricRegistry registry;
  RankerMetrics m(&registry);
  m.UpdateModelStatus(Status(1, false));
  m.UpdateModelStatus(Status(1, true));
  EXPECT_EQ(m.swaps(), 0);
  m.UpdateModelStatus(Status(2, false));
  m.UpdateModelStatus(Status(2, false));
  EXPECT_EQ(m.swaps(), 1);
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("tailor_ranker_version_swaps_total{model=\"m\"} 1\n"));
}

TEST(AnyVersionAvailableTest, NeedsAnAvailableVersion) {
  tailor::v1::GetModelStatusResponse status;
  EXPECT_FALSE(AnyVersionAvailable(status));
  auto* v = status.add_models()->add_versions();
  v->set_state(tailor::v1::MODEL_VERSION_STATE_LOADING);
  EXPECT_FALSE(AnyVersionAvailable(status));
  v->set_state(tailor::v1::MODEL_VERSION_STATE_AVAILABLE);
  EXPECT_TRUE(AnyVersionAvailable(status));
}

}  // namespace
}  // namespace tailor::ranker
