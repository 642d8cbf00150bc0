#include "ranker/model/blend_learner.h"

#include <random>

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

// Relevance follows the content feature; cf is noise.
std::vector<BlendQuery> Queries() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<BlendQuery> qs(30);
  for (BlendQuery& q : qs) {
    for (int i = 0; i < 50; ++i) {
      Features f{};
      f[kCf] = u(rng);
      f[kContent] = u(rng);
      q.features.push_back(f);
      q.relevant.push_back(f[kContent] > 0.9f ? 1 : 0);
    }
  }
  return qs;
}

TEST(BlendLearnerTest, EvaluateMatchesAHandComputedRanking) {
  BlendQuery q;
  q.features = {Features{0.1f}, Features{0.9f}, Features{0.5f}};
  q.relevant = {1, 0, 0};
  const RankingMetrics m = Evaluate({q}, {1, 0, 0, 0, 0}, 2);
  EXPECT_EQ(m.queries, 1);
  EXPECT_DOUBLE_EQ(m.recall, 0.0);
  const RankingMetrics m3 = Evaluate({q}, {1, 0, 0, 0, 0}, 3);
  EXPECT_DOUBLE_EQ(m3.recall, 1.0);
  EXPECT_NEAR(m3.ndcg, 0.5, 1e-12);  // rank 3: 1 / log2(4)
}

TEST(BlendLearnerTest, LearnsToWeightTheInformativeFeature) {
  const auto qs = Queries();
  BlendWeights start;
  start.weights = {1, 0, 0, 0, 0};
  const BlendWeights b = LearnBlend(qs, start, {});
  EXPECT_GT(b.weights[kContent], 3 * b.weights[kCf]);
  EXPECT_GT(Evaluate(qs, b.weights, 20).ndcg,
            Evaluate(qs, start.weights, 20).ndcg + 0.2);
  EXPECT_EQ(b.validation["k"], 20);
}

}  // namespace
}  // namespace tailor::ranker
