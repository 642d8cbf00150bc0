#include "trainer/eval/ranking_metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/base/internal/raw_logging.h"

namespace tailor {

UserRankingMetrics ComputeUserRankingMetrics(
    absl::Span<const uint32_t> recommended, absl::Span<const uint32_t> relevant,
    int k) {
  // Programmer errors: the evaluator filters these out before calling.
  ABSL_RAW_CHECK(k >= 1, "k must be >= 1");
  ABSL_RAW_CHECK(!relevant.empty(), "relevant items must be non-empty");
  const int64_t n = std::min<int64_t>(k, recommended.size());
  int64_t hits = 0;
  double precision_sum = 0, dcg = 0;
  for (int64_t r = 0; r < n; ++r) {
    if (std::binary_search(relevant.begin(), relevant.end(), recommended[r])) {
      ++hits;
      precision_sum += static_cast<double>(hits) / (r + 1);
      dcg += 1.0 / std::log2(r + 2.0);
    }
  }
  const int64_t num_relevant = static_cast<int64_t>(relevant.size());
  const int64_t capped = std::min<int64_t>(k, num_relevant);
  double ideal = 0;
  for (int64_t r = 0; r < capped; ++r) ideal += 1.0 / std::log2(r + 2.0);
  UserRankingMetrics m;
  m.precision = static_cast<double>(hits) / k;
  m.recall = static_cast<double>(hits) / num_relevant;
  m.recall_capped = static_cast<double>(hits) / capped;
  m.average_precision = precision_sum / num_relevant;
  m.average_precision_capped = precision_sum / capped;
  m.ndcg = dcg / ideal;
  m.hit = hits > 0 ? 1.0 : 0.0;
  return m;
}

int64_t RankAmongNegatives(float positive_score,
                           absl::Span<const float> negative_scores) {
  int64_t rank = 0;
  for (float s : negative_scores) rank += (s >= positive_score) ? 1 : 0;
  return rank;
}

double LeaveOneOutHit(int64_t rank, int k) { return rank < k ? 1.0 : 0.0; }

double LeaveOneOutNdcg(int64_t rank, int k) {
  return rank < k ? 1.0 / std::log2(rank + 2.0) : 0.0;
}

}  // namespace tailor
