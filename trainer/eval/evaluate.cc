#include "trainer/eval/evaluate.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/eval/ranking_metrics.h"
#include "trainer/eval/rating_metrics.h"

namespace tailor {
namespace {

absl::Status CheckTestSet(const CsrMatrix& test, const char* what) {
  absl::Status status = ValidateCsr(test);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": invalid test set: ", status.message()));
  }
  if (test.nnz() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the test set is empty"));
  }
  return absl::OkStatus();
}

// Sums of the per-user metrics for one k.
struct Sums {
  double precision = 0, recall = 0, ap = 0, ap_capped = 0, ndcg = 0, hit = 0;
  double popularity = 0, percentile = 0;
  int64_t slots = 0;  // recommended items counted for popularity
};

}  // namespace

std::vector<double> PopularityPercentiles(const std::vector<int64_t>& counts) {
  const int64_t n = static_cast<int64_t>(counts.size());
  std::vector<int64_t> sorted = counts;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> pct(n);
  for (int64_t i = 0; i < n; ++i) {
    const auto lo = std::lower_bound(sorted.begin(), sorted.end(), counts[i]);
    const auto hi = std::upper_bound(sorted.begin(), sorted.end(), counts[i]);
    pct[i] = ((lo - sorted.begin()) + 0.5 * (hi - lo)) / n;
  }
  return pct;
}

absl::StatusOr<EvalResult> EvaluateTopK(const TopKLists& lists,
                                        const CsrMatrix& test,
                                        const TopKEvalOptions& options) {
  TAILOR_RETURN_IF_ERROR(CheckTestSet(test, "top-k evaluation"));
  if (lists.num_items != test.cols) {
    return absl::InvalidArgumentError(
        absl::StrCat("top-k evaluation: lists rank ", lists.num_items,
                     " items but the test set has ", test.cols, " columns"));
  }
  if (options.ks.empty()) {
    return absl::InvalidArgumentError("top-k evaluation: no k given");
  }
  for (int k : options.ks) {
    if (k < 1 || k > lists.k) {
      return absl::InvalidArgumentError(
          absl::StrCat("top-k evaluation: k = ", k, " is outside [1, ", lists.k,
                       "] (the length of the lists)"));
    }
  }
  std::vector<int64_t> counts;
  std::vector<double> percentiles;
  if (options.train != nullptr) {
    if (options.train->cols != test.cols) {
      return absl::InvalidArgumentError(
          absl::StrCat("top-k evaluation: train has ", options.train->cols,
                       " columns, the test set ", test.cols));
    }
    counts.assign(test.cols, 0);
    for (uint32_t i : options.train->indices) ++counts[i];
    percentiles = PopularityPercentiles(counts);
  }
  EvalResult result;
  std::vector<uint8_t> listed(test.rows, 0);
  for (uint32_t u : lists.users) {
    if (u >= test.rows) {
      return absl::InvalidArgumentError(
          absl::StrCat("top-k evaluation: user ", u,
                       " is outside the test set (", test.rows, " rows)"));
    }
    listed[u] = 1;
  }
  for (int64_t u = 0; u < test.rows; ++u) {
    if (test.RowSize(u) > 0 && !listed[u]) ++result.users_without_list;
  }
  const int num_k = static_cast<int>(options.ks.size());
  const int64_t num_lists = static_cast<int64_t>(lists.users.size());
  const int max_k = lists.k;
  std::vector<Sums> total(num_k);
  std::vector<std::vector<uint8_t>> covered(num_k,
                                            std::vector<uint8_t>(test.cols, 0));
  int64_t evaluated = 0, without_test = 0;
#pragma omp parallel
  {
    std::vector<Sums> local(num_k);
    std::vector<std::vector<uint8_t>> local_covered(
        num_k, std::vector<uint8_t>(test.cols, 0));
    int64_t local_evaluated = 0, local_without = 0;
#pragma omp for schedule(dynamic, 64) nowait
    for (int64_t row = 0; row < num_lists; ++row) {
      const uint32_t u = lists.users[row];
      const absl::Span<const uint32_t> relevant(
          test.indices.data() + test.indptr[u], test.RowSize(u));
      if (relevant.empty()) {
        ++local_without;
        continue;
      }
      ++local_evaluated;
      const uint32_t* items = lists.items.data() + row * max_k;
      int64_t length = 0;
      while (length < max_k && items[length] != kNoItem) ++length;
      for (int q = 0; q < num_k; ++q) {
        const int k = options.ks[q];
        const UserRankingMetrics m = ComputeUserRankingMetrics(
            absl::MakeConstSpan(items, length), relevant, k);
        Sums& s = local[q];
        s.precision += m.precision;
        s.recall += options.recall == RecallDenominator::kRelevant
                        ? m.recall
                        : m.recall_capped;
        s.ap += m.average_precision;
        s.ap_capped += m.average_precision_capped;
        s.ndcg += m.ndcg;
        s.hit += m.hit;
        const int64_t n = std::min<int64_t>(k, length);
        for (int64_t j = 0; j < n; ++j) {
          local_covered[q][items[j]] = 1;
          if (!counts.empty()) {
            s.popularity += counts[items[j]];
            s.percentile += percentiles[items[j]];
          }
        }
        s.slots += n;
      }
    }
#pragma omp critical
    {
      evaluated += local_evaluated;
      without_test += local_without;
      for (int q = 0; q < num_k; ++q) {
        total[q].precision += local[q].precision;
        total[q].recall += local[q].recall;
        total[q].ap += local[q].ap;
        total[q].ap_capped += local[q].ap_capped;
        total[q].ndcg += local[q].ndcg;
        total[q].hit += local[q].hit;
        total[q].popularity += local[q].popularity;
        total[q].percentile += local[q].percentile;
        total[q].slots += local[q].slots;
        for (int64_t i = 0; i < test.cols; ++i) {
          covered[q][i] |= local_covered[q][i];
        }
      }
    }
  }
  result.users_evaluated = evaluated;
  result.users_without_test_items = without_test;
  if (evaluated == 0) {
    return absl::InvalidArgumentError(
        "top-k evaluation: no user has both a list and test items");
  }
  for (int q = 0; q < num_k; ++q) {
    const std::string at = absl::StrCat("@", options.ks[q]);
    const Sums& s = total[q];
    const double n = static_cast<double>(evaluated);
    result.metrics["precision" + at] = s.precision / n;
    result.metrics["recall" + at] = s.recall / n;
    result.metrics["map" + at] = s.ap / n;
    result.metrics["map_capped" + at] = s.ap_capped / n;
    result.metrics["ndcg" + at] = s.ndcg / n;
    result.metrics["hit_rate" + at] = s.hit / n;
    int64_t distinct = 0;
    for (uint8_t c : covered[q]) distinct += c;
    result.metrics["coverage" + at] = static_cast<double>(distinct) / test.cols;
    if (!counts.empty() && s.slots > 0) {
      result.metrics["avg_popularity" + at] = s.popularity / s.slots;
      result.metrics["popularity_percentile" + at] = s.percentile / s.slots;
    }
  }
  return result;
}

absl::StatusOr<EvalResult> EvaluateRatings(const PairScorer& scorer,
                                           const CsrMatrix& test,
                                           int64_t batch_pairs) {
  TAILOR_RETURN_IF_ERROR(CheckTestSet(test, "rating evaluation"));
  if (batch_pairs < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rating evaluation: batch_pairs must be >= 1, got ", batch_pairs));
  }
  std::vector<uint32_t> users(test.nnz());
  for (int64_t u = 0; u < test.rows; ++u) {
    std::fill(users.begin() + test.indptr[u],
              users.begin() + test.indptr[u + 1], static_cast<uint32_t>(u));
  }
  std::vector<float> predicted(test.nnz());
  for (int64_t begin = 0; begin < test.nnz(); begin += batch_pairs) {
    const int64_t n = std::min(batch_pairs, test.nnz() - begin);
    TAILOR_RETURN_IF_ERROR(
        scorer(absl::MakeConstSpan(users).subspan(begin, n),
               absl::MakeConstSpan(test.indices).subspan(begin, n),
               absl::MakeSpan(predicted).subspan(begin, n)));
  }
  TAILOR_ASSIGN_OR_RETURN(RatingErrors errors,
                          ComputeRatingErrors(test.data, predicted));
  EvalResult result;
  result.metrics["rmse"] = errors.rmse;
  result.metrics["mae"] = errors.mae;
  result.users_evaluated = static_cast<int64_t>(UsersWithEntries(test).size());
  return result;
}

absl::StatusOr<EvalResult> EvaluateLeaveOneOut(const PairScorer& scorer,
                                               const CsrMatrix& test,
                                               const CsrMatrix& negatives,
                                               const std::vector<int>& ks) {
  TAILOR_RETURN_IF_ERROR(CheckTestSet(test, "leave-one-out evaluation"));
  if (negatives.rows != test.rows || negatives.cols != test.cols) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leave-one-out evaluation: negatives are ", negatives.rows, "x",
        negatives.cols, " but the test set is ", test.rows, "x", test.cols));
  }
  if (ks.empty()) {
    return absl::InvalidArgumentError("leave-one-out evaluation: no k given");
  }
  for (int k : ks) {
    if (k < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("leave-one-out evaluation: k must be >= 1, got ", k));
    }
  }
  // One scorer call: per user, its positive then its negatives.
  std::vector<uint32_t> users, items;
  std::vector<int64_t> first;  // offset of each evaluated user's positive
  for (int64_t u = 0; u < test.rows; ++u) {
    const int64_t n = test.RowSize(u);
    if (n == 0) continue;
    if (n > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("leave-one-out evaluation: user ", u, " has ", n,
                       " test items; the protocol holds out exactly one"));
    }
    if (negatives.RowSize(u) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "leave-one-out evaluation: user ", u, " has no negatives"));
    }
    first.push_back(static_cast<int64_t>(items.size()));
    users.push_back(static_cast<uint32_t>(u));
    items.push_back(test.indices[test.indptr[u]]);
    for (int64_t p = negatives.indptr[u]; p < negatives.indptr[u + 1]; ++p) {
      users.push_back(static_cast<uint32_t>(u));
      items.push_back(negatives.indices[p]);
    }
  }
  first.push_back(static_cast<int64_t>(items.size()));
  std::vector<float> scores(items.size());
  TAILOR_RETURN_IF_ERROR(scorer(users, items, absl::MakeSpan(scores)));
  EvalResult result;
  const int64_t num_users = static_cast<int64_t>(first.size()) - 1;
  std::vector<double> hr(ks.size(), 0), ndcg(ks.size(), 0);
  for (int64_t e = 0; e < num_users; ++e) {
    const float positive = scores[first[e]];
    if (std::isnan(positive)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "leave-one-out evaluation: NaN score for user ", users[first[e]]));
    }
    const int64_t rank = RankAmongNegatives(
        positive, absl::MakeConstSpan(scores).subspan(
                      first[e] + 1, first[e + 1] - first[e] - 1));
    for (size_t q = 0; q < ks.size(); ++q) {
      hr[q] += LeaveOneOutHit(rank, ks[q]);
      ndcg[q] += LeaveOneOutNdcg(rank, ks[q]);
    }
  }
  for (size_t q = 0; q < ks.size(); ++q) {
    result.metrics[absl::StrCat("hr@", ks[q])] = hr[q] / num_users;
    result.metrics[absl::StrCat("ndcg@", ks[q])] = ndcg[q] / num_users;
  }
  result.users_evaluated = num_users;
  return result;
}

}  // namespace tailor
