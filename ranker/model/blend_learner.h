#ifndef TAILOR_RANKER_MODEL_BLEND_LEARNER_H_
#define TAILOR_RANKER_MODEL_BLEND_LEARNER_H_

// Learns the blend weights on a validation split by coordinate ascent on
// mean NDCG@k (docs/ranker_model.md): starting from the given weights, each
// round tries every grid value for each weight in turn and keeps a change
// only when it raises the metric; rounds repeat until none does (or
// max_rounds). NDCG depends only on the order, so the weights are
// scale-free; the grid is non-negative except for the segment weight,
// whose feature is a signed log-lift. Deterministic; a pure function.

#include <cstdint>
#include <vector>

#include "ranker/model/blend_weights.h"

namespace tailor::ranker {

// One validation user: the features of every candidate and which
// candidates are relevant (held-out items).
struct BlendQuery {
  std::vector<Features> features;
  std::vector<uint8_t> relevant;
};

struct BlendLearnOptions {
  int k = 20;
  int max_rounds = 4;
  std::vector<float> grid = {0.0f, 0.01f, 0.03f, 0.1f, 0.3f, 1.0f, 3.0f, 10.0f};
};

struct RankingMetrics {
  double recall = 0;  // hits in the top k / min(k, relevant)
  double ndcg = 0;
  int64_t queries = 0;  // with at least one relevant candidate
};

// Metrics at `k` of ranking each query's candidates by the blend (ties by
// candidate index).
RankingMetrics Evaluate(const std::vector<BlendQuery>& queries,
                        const Features& weights, int k);

// The learned weights; `start` supplies the initial weights and the fold-in
// parameters; method and validation are filled in.
BlendWeights LearnBlend(const std::vector<BlendQuery>& queries,
                        const BlendWeights& start,
                        const BlendLearnOptions& options);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_BLEND_LEARNER_H_
