#ifndef TAILOR_TRAINER_EVAL_RANKING_METRICS_H_
#define TAILOR_TRAINER_EVAL_RANKING_METRICS_H_

// Per-user ranking metrics, binary relevance (docs/evaluation.md has the
// formulas). `recommended` is one user's ranked list, best first (it may be
// shorter than k; only its first k entries count); `relevant` is that user's
// held-out items, sorted ascending and unique and non-empty. Pure functions.

#include <cstdint>

#include "absl/types/span.h"

namespace tailor {

struct UserRankingMetrics {
  double precision = 0;      // hits / k (Microsoft Recommenders, Spark)
  double recall = 0;         // hits / |relevant| (Microsoft Recommenders)
  double recall_capped = 0;  // hits / min(k, |relevant|) (Liang et al.)
  // sum over hit ranks r of (hits within the first r) / r, divided by
  // |relevant| (MS Recommenders `map`, and `map_at_k` before 1.2) ...
  double average_precision = 0;
  // ... or by min(k, |relevant|) (MS `map_at_k` from 1.2, Spark MLlib).
  double average_precision_capped = 0;
  // DCG = sum over hit ranks r (1-based) of 1 / log2(r + 1), divided by the
  // ideal DCG of min(k, |relevant|) hits at the top.
  double ndcg = 0;
  double hit = 0;  // 1 if any of the first k is relevant
};

// Requires k >= 1 and non-empty sorted `relevant` (CHECKed: programmer error).
UserRankingMetrics ComputeUserRankingMetrics(
    absl::Span<const uint32_t> recommended, absl::Span<const uint32_t> relevant,
    int k);

// Leave-one-out: the 0-based rank of the held-out item among itself and its
// sampled negatives = the number of negatives scoring >= the positive (ties
// count against the positive, as in NCF's evaluation, which lists the
// positive after its negatives).
int64_t RankAmongNegatives(float positive_score,
                           absl::Span<const float> negative_scores);

// HR@k = 1 if rank < k; NDCG@k = 1 / log2(rank + 2) if rank < k, else 0.
double LeaveOneOutHit(int64_t rank, int k);
double LeaveOneOutNdcg(int64_t rank, int k);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_RANKING_METRICS_H_
