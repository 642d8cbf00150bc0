#include "parameter_server/server_stats.h"

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(ServerStatsTest, CountsBytesErrorsAndPercentiles) {
  ServerStats stats;
  for (int i = 1; i <= 100; ++i) {
    stats.Record("Pull", absl::Microseconds(i), i % 10 != 0, 8, 264);
  }
  stats.Record("Push", absl::Microseconds(5), true, 100, 0);
  ServerStats::Snapshot s = stats.Get(false);
  EXPECT_EQ(s.bytes_in, 100u * 8 + 100);
  EXPECT_EQ(s.bytes_out, 100u * 264);
  const ServerStats::Method& pull = s.methods.at("Pull");
  EXPECT_EQ(pull.requests, 100u);
  EXPECT_EQ(pull.errors, 10u);
  EXPECT_DOUBLE_EQ(pull.latency.mean_us, 50.5);
  EXPECT_NEAR(pull.latency.p50_us, 50, 1);
  EXPECT_NEAR(pull.latency.p99_us, 99, 1);
  EXPECT_DOUBLE_EQ(pull.latency.max_us, 100);
  EXPECT_EQ(s.methods.at("Push").requests, 1u);
}

TEST(ServerStatsTest, ResetStartsOver) {
  ServerStats stats;
  stats.Record("Clock", absl::Milliseconds(1), true, 0, 0);
  EXPECT_EQ(stats.Get(true).methods.size(), 1u);
  ServerStats::Snapshot s = stats.Get(false);
  EXPECT_TRUE(s.methods.empty());
  EXPECT_EQ(s.bytes_in, 0u);
}

}  // namespace
}  // namespace tailor
