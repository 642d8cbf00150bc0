#include "core/metrics/metric_registry.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricRegistryTest, WritesCountersWithHelpTypeAndSortedLabels) {
  MetricRegistry registry;
  auto* requests =
      registry.AddCounter("t_requests_total", "Requests.", {"method", "code"});
  requests->WithLabels({"Rank", "OK"})->Increment(3);
  requests->WithLabels({"Rank", "INVALID_ARGUMENT"})->Increment();
  EXPECT_EQ(registry.TextExposition(),
            "# HELP t_requests_total Requests.\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{method=\"Rank\",code=\"INVALID_ARGUMENT\"} 1\n"
            "t_requests_total{method=\"Rank\",code=\"OK\"} 3\n");
}

TEST(MetricRegistryTest, SameLabelsGiveTheSameSeries) {
  MetricRegistry registry;
  auto* family = registry.AddGauge("t_gauge", "G.", {"a"});
  EXPECT_EQ(family->WithLabels({"x"}), family->WithLabels({"x"}));
  EXPECT_NE(family->WithLabels({"x"}), family->WithLabels({"y"}));
}

TEST(MetricRegistryTest, WritesCumulativeHistogramBuckets) {
  MetricRegistry registry;
  auto* latency =
      registry.AddHistogram("t_latency_seconds", "Latency.", {}, {0.001, 0.01});
  latency->Get()->Observe(0.0005);
  latency->Get()->Observe(0.005);
  latency->Get()->Observe(0.5);
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("# TYPE t_latency_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("t_latency_seconds_bucket{le=\"0.001\"} 1\n"
                              "t_latency_seconds_bucket{le=\"0.01\"} 2\n"
                              "t_latency_seconds_bucket{le=\"+Inf\"} 3\n"
                              "t_latency_seconds_sum 0.50549999999999995\n"
                              "t_latency_seconds_count 3\n"));
}

TEST(MetricRegistryTest, HistogramLabelsComeBeforeLe) {
  MetricRegistry registry;
  auto* h = registry.AddHistogram("t_h", "H.", {"model"}, {1});
  h->WithLabels({"m"})->Observe(2);
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("t_h_bucket{model=\"m\",le=\"1\"} 0\n"
                        "t_h_bucket{model=\"m\",le=\"+Inf\"} 1\n"));
}

TEST(MetricRegistryTest, EscapesLabelValuesAndHelp) {
  MetricRegistry registry;
  registry.AddCounter("t_c", "Line one\nback\\slash", {"v"})
      ->WithLabels({"a\"b\\c\nd"})
      ->Increment();
  const std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("# HELP t_c Line one\\nback\\\\slash\n"));
  EXPECT_THAT(text, HasSubstr("t_c{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(MetricRegistryTest, ScrapeHooksRunBeforeWriting) {
  MetricRegistry registry;
  auto* gauge = registry.AddGauge("t_loaded", "Loaded.", {"version"});
  int version = 0;
  registry.AddScrapeHook([&] {
    gauge->Clear();
    gauge->WithLabels({std::to_string(++version)})->Set(1);
  });
  EXPECT_THAT(registry.TextExposition(),
              HasSubstr("t_loaded{version=\"1\"} 1\n"));
  const std::string second = registry.TextExposition();
  EXPECT_THAT(second, HasSubstr("t_loaded{version=\"2\"} 1\n"));
  EXPECT_THAT(second, ::testing::Not(HasSubstr("version=\"1\"")));
}

TEST(MetricRegistryTest, FamiliesWithoutSeriesWriteOnlyHeaders) {
  MetricRegistry registry;
  registry.AddCounter("t_empty_total", "Nothing yet.");
  EXPECT_EQ(registry.TextExposition(),
            "# HELP t_empty_total Nothing yet.\n"
            "# TYPE t_empty_total counter\n");
}

TEST(MetricNamesTest, FollowThePrometheusGrammar) {
  EXPECT_TRUE(IsValidMetricName("tailor:rank_total"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("code"));
  EXPECT_FALSE(IsValidLabelName("__name"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(FormatSampleValueTest, IntegersSpecialsAndFractions) {
  EXPECT_EQ(FormatSampleValue(42), "42");
  EXPECT_EQ(FormatSampleValue(-3), "-3");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()),
            "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(MetricRegistryDeathTest, DuplicateNamesAreProgrammerErrors) {
  MetricRegistry registry;
  registry.AddCounter("t_dup", "D.");
  EXPECT_DEATH(registry.AddGauge("t_dup", "D."), "registered twice");
}

TEST(MetricRegistryDeathTest, WrongLabelCountIsAProgrammerError) {
  MetricRegistry registry;
  auto* c = registry.AddCounter("t_c", "C.", {"a", "b"});
  EXPECT_DEATH(c->WithLabels({"only one"}), "wrong number of label values");
}

}  // namespace
}  // namespace tailor::metrics
