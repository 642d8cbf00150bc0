#include "trainer/sgd/alias_sampler.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(AliasSamplerTest, FrequenciesMatchWeights) {
  const std::vector<double> w = {1, 0, 3, 6, 0.5, 9.5};
  auto s = AliasSampler::Create(w);
  ASSERT_TRUE(s.ok()) << s.status();
  SplitMix64 rng(7);
  constexpr int kDraws = 400000;
  std::vector<int> counts(w.size(), 0);
  for (int i = 0; i < kDraws; ++i) ++counts[s->Sample(rng)];
  for (size_t i = 0; i < w.size(); ++i) {
    const double expected = kDraws * w[i] / 20.0;
    // 5 standard deviations of a binomial count.
    EXPECT_NEAR(counts[i], expected, 5 * std::sqrt(expected + 1) + 1) << i;
  }
  EXPECT_EQ(counts[1], 0);
}

TEST(AliasSamplerTest, RejectsBadWeights) {
  EXPECT_FALSE(AliasSampler::Create(std::vector<double>{}).ok());
  EXPECT_FALSE(AliasSampler::Create(std::vector<double>{0, 0}).ok());
  EXPECT_FALSE(AliasSampler::Create(std::vector<double>{1, -1}).ok());
  EXPECT_FALSE(AliasSampler::Create(std::vector<double>{1, NAN}).ok());
}

}  // namespace
}  // namespace tailor
