#include "trainer/marketing/lifecycle.h"

#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(LifecycleTest, RulesInOrderTableDriven) {
  const LifecycleOptions options;  // 30 / 90 / 180 days
  struct Case {
    bool has_timestamps;
    int64_t events;
    double recency, tenure;
    int64_t frequency;
    LifecycleStage expected;
  };
  const std::vector<Case> cases = {
      {true, 0, 0, 0, 0, LifecycleStage::kNone},
      {false, 5, 0, 0, 5, LifecycleStage::kUnknown},
      {true, 5, 200, 400, 9, LifecycleStage::kChurned},
      {true, 5, 180, 400, 9, LifecycleStage::kAtRisk},  // not > 180
      {true, 5, 91, 400, 9, LifecycleStage::kAtRisk},
      {true, 5, 10, 20, 9, LifecycleStage::kNew},  // new beats loyal
      {true, 5, 10, 30, 1, LifecycleStage::kNew},
      {true, 5, 10, 31, 4, LifecycleStage::kLoyal},
      {true, 5, 10, 31, 3, LifecycleStage::kActive},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyLifecycle(c.has_timestamps, c.events, c.recency, c.tenure,
                                c.frequency, /*loyal=*/4, options),
              c.expected)
        << "recency " << c.recency << " tenure " << c.tenure;
  }
}

TEST(LifecycleTest, LoyalThresholdIsQuantileOfActiveUsers) {
  // Zeros are ignored; 10 positive values, 0.8 quantile -> index 8.
  const std::vector<int64_t> f = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(LoyalFrequencyThreshold(f, 0.8), 9);
  EXPECT_EQ(LoyalFrequencyThreshold(f, 1.0), 10);
  EXPECT_EQ(LoyalFrequencyThreshold({1, 1, 1}, 0.8), 2);  // at least 2
  EXPECT_EQ(LoyalFrequencyThreshold({}, 0.8), 2);
}

TEST(LifecycleTest, Names) {
  EXPECT_EQ(LifecycleStageName(LifecycleStage::kAtRisk), "at_risk");
  EXPECT_EQ(LifecycleStageName(LifecycleStage::kChurned), "churned");
}

}  // namespace
}  // namespace tailor
