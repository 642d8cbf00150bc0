#ifndef TAILOR_TRAINER_EVAL_EVALUATE_H_
#define TAILOR_TRAINER_EVAL_EVALUATE_H_

// Aggregates metrics over users (docs/evaluation.md defines every name).
// Results are maps keyed by metric name ("precision@10", "ndcg@10", "rmse",
// "hr@10", ...) so the `tailor eval` JSON can print them as they are.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "trainer/eval/ranking.h"

namespace tailor {

enum class RecallDenominator {
  kRelevant,         // hits / |relevant| (Microsoft Recommenders)
  kMinKAndRelevant,  // hits / min(k, |relevant|) (strong generalization)
};

struct TopKEvalOptions {
  std::vector<int> ks = {10};  // each in [1, lists.k]
  RecallDenominator recall = RecallDenominator::kRelevant;
  // When set (rows = users, same columns as the test set; not owned): item
  // popularity for "avg_popularity@k" and "popularity_percentile@k".
  const CsrMatrix* train = nullptr;
};

struct EvalResult {
  std::map<std::string, double> metrics;
  int64_t users_evaluated = 0;
  // Users with a list but no test items: skipped (not averaged in).
  int64_t users_without_test_items = 0;
  // Users with test items but no list: skipped, as Microsoft Recommenders
  // averages over users present in both truth and predictions.
  int64_t users_without_list = 0;
};

// Per k: precision, recall, map, map_capped, ndcg, hit_rate, coverage, and
// with options.train, avg_popularity and popularity_percentile. Users are
// averaged in parallel (OpenMP). Errors: empty test set, k out of range,
// shapes differ, no user with both a list and test items.
absl::StatusOr<EvalResult> EvaluateTopK(const TopKLists& lists,
                                        const CsrMatrix& test,
                                        const TopKEvalOptions& options);

// "rmse", "mae" of scorer predictions on every test entry, in batches.
// Errors: empty test set, scorer errors, non-finite predictions.
absl::StatusOr<EvalResult> EvaluateRatings(const PairScorer& scorer,
                                           const CsrMatrix& test,
                                           int64_t batch_pairs = 1 << 16);

// Leave-one-out: every user with exactly one test entry (more is an error)
// has its positive ranked against its row of `negatives`; "hr@k", "ndcg@k".
// Users with a test entry but no negatives are an error.
absl::StatusOr<EvalResult> EvaluateLeaveOneOut(const PairScorer& scorer,
                                               const CsrMatrix& test,
                                               const CsrMatrix& negatives,
                                               const std::vector<int>& ks);

// Mid-rank popularity percentile of every item: (L + E / 2) / N, where L
// items have a smaller count, E items (itself included) the same count, and
// N = counts.size(). In (0, 1); the most popular item is near 1.
std::vector<double> PopularityPercentiles(const std::vector<int64_t>& counts);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_EVALUATE_H_
