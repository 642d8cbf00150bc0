#ifndef TAILOR_RANKER_MODEL_MMR_H_
#define TAILOR_RANKER_MODEL_MMR_H_

// Maximal marginal relevance re-ranking (Carbonell and Goldstein 1998):
// repeatedly picks the item maximizing
//   (1 - lambda) * relevance(i) - lambda * max_{j picked} similarity(i, j)
// with relevance min-max scaled to [0, 1] over the pool. lambda = 0 keeps
// the score order. A pure function.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/types/span.h"

namespace tailor::ranker {

// `scores` of the pool (any order); returns up to `count` pool indices in
// the chosen order. `similarity(a, b)` takes pool indices.
std::vector<int64_t> MmrOrder(
    absl::Span<const float> scores,
    const std::function<float(int64_t, int64_t)>& similarity, int64_t count,
    float lambda);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_MMR_H_
