#include "trainer/marketing/silhouette.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(SilhouetteTest, MatchesTheDefinitionOnATinyExample) {
  const std::vector<float> x = {0, 1, 10, 11, 30};
  const std::vector<int32_t> labels = {0, 0, 1, 1, 2};
  // Brute force from the definition.
  double expected = 0;
  for (int i = 0; i < 5; ++i) {
    double sum[3] = {0, 0, 0};
    int size[3] = {0, 0, 0};
    for (int j = 0; j < 5; ++j) {
      ++size[labels[j]];
      sum[labels[j]] += std::fabs(x[i] - x[j]);
    }
    if (size[labels[i]] == 1) continue;
    const double a = sum[labels[i]] / (size[labels[i]] - 1);
    double b = 1e300;
    for (int c = 0; c < 3; ++c) {
      if (c != labels[i]) b = std::min(b, sum[c] / size[c]);
    }
    expected += (b - a) / std::max(a, b);
  }
  expected /= 5;
  auto s = SampledSilhouette(x, 1, labels, 3, 1000, 1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_NEAR(*s, expected, 1e-6);
}

TEST(SilhouetteTest, SampleIsSeededAndClose) {
  std::vector<float> x;
  std::vector<int32_t> labels;
  for (int i = 0; i < 3000; ++i) {
    x.push_back((i % 3) * 5.0f + (i % 17) * 0.1f);
    labels.push_back(i % 3);
  }
  auto full = SampledSilhouette(x, 1, labels, 3, 5000, 1);
  auto a = SampledSilhouette(x, 1, labels, 3, 500, 7);
  auto b = SampledSilhouette(x, 1, labels, 3, 500, 7);
  ASSERT_TRUE(full.ok() && a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NEAR(*a, *full, 0.05);
}

TEST(SilhouetteTest, OneClusterIsAnError) {
  const std::vector<float> x = {0, 1, 2};
  const std::vector<int32_t> labels = {0, 0, 0};
  EXPECT_FALSE(SampledSilhouette(x, 1, labels, 2, 100, 1).ok());
}

}  // namespace
}  // namespace tailor
