#include "tools/synth/synth_random.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(SynthRngTest, SameStreamGivesSameNumbers) {
  SynthRng a(7, 3, 12345), b(7, 3, 12345);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(SynthRngTest, SeedStreamAndIndexEachChangeTheNumbers) {
  const uint64_t base = SynthRng(7, 3, 12345).Next();
  EXPECT_NE(base, SynthRng(8, 3, 12345).Next());
  EXPECT_NE(base, SynthRng(7, 4, 12345).Next());
  EXPECT_NE(base, SynthRng(7, 3, 12346).Next());
}

TEST(SynthRngTest, UniformAndBelowStayInRange) {
  SynthRng rng(1, 1, 1);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ASSERT_LT(rng.Below(7), 7u);
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.01);
}

TEST(SynthRngTest, NormalHasUnitVariance) {
  SynthRng rng(2, 1, 1);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = rng.Normal();
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

TEST(AliasTableTest, FrequenciesFollowWeights) {
  const std::vector<double> weights = {1, 0, 3, 6};
  AliasTable table(weights);
  SynthRng rng(3, 1, 1);
  std::vector<int> counts(4, 0);
  const int n = 200000;
  for (int i = 0; i < n; ++i) ++counts[table.Sample(rng)];
  EXPECT_NEAR(counts[0] / double(n), 0.1, 0.005);
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[2] / double(n), 0.3, 0.005);
  EXPECT_NEAR(counts[3] / double(n), 0.6, 0.005);
}

TEST(AliasTableTest, NoPositiveWeightMeansUniform) {
  AliasTable table(std::vector<double>{0, -1, NAN});
  SynthRng rng(4, 1, 1);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[table.Sample(rng)];
  for (int c : counts) EXPECT_NEAR(c / 30000.0, 1 / 3.0, 0.02);
}

}  // namespace
}  // namespace tailor
