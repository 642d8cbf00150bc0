#include "trainer/eval/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

std::vector<uint32_t> UsersWithEntries(const CsrMatrix& m) {
  std::vector<uint32_t> users;
  for (int64_t u = 0; u < m.rows; ++u) {
    if (m.RowSize(u) > 0) users.push_back(static_cast<uint32_t>(u));
  }
  return users;
}

namespace {

// Selects the top k of one score row into items/scores (length k).
// Returns the index of the first NaN item, or -1.
int64_t SelectTopK(float* row, int64_t num_items, const CsrMatrix* exclude,
                   uint32_t user, int k, std::vector<uint32_t>& candidates,
                   uint32_t* out_items, float* out_scores) {
  if (exclude != nullptr) {
    for (int64_t p = exclude->indptr[user]; p < exclude->indptr[user + 1];
         ++p) {
      row[exclude->indices[p]] = -std::numeric_limits<float>::infinity();
    }
  }
  candidates.clear();
  for (int64_t i = 0; i < num_items; ++i) {
    const float s = row[i];
    if (std::isnan(s)) return i;
    if (s != -std::numeric_limits<float>::infinity()) {
      candidates.push_back(static_cast<uint32_t>(i));
    }
  }
  const int64_t n = std::min<int64_t>(k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + n,
                    candidates.end(), [row](uint32_t a, uint32_t b) {
                      return row[a] > row[b] || (row[a] == row[b] && a < b);
                    });
  for (int64_t j = 0; j < k; ++j) {
    out_items[j] = j < n ? candidates[j] : kNoItem;
    out_scores[j] =
        j < n ? row[candidates[j]] : -std::numeric_limits<float>::infinity();
  }
  return -1;
}

}  // namespace

absl::StatusOr<TopKLists> RecommendTopK(const BatchScorer& scorer,
                                        int64_t num_items,
                                        absl::Span<const uint32_t> users,
                                        const TopKOptions& options) {
  if (options.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("top-k: k must be >= 1, got ", options.k));
  }
  if (options.batch_users < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "top-k: batch_users must be >= 1, got ", options.batch_users));
  }
  if (num_items < 1) {
    return absl::InvalidArgumentError("top-k: the catalogue is empty");
  }
  const CsrMatrix* exclude = options.exclude;
  if (exclude != nullptr) {
    if (exclude->cols != num_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("top-k: the excluded-items matrix has ", exclude->cols,
                       " columns for a catalogue of ", num_items, " items"));
    }
    for (uint32_t u : users) {
      if (u >= exclude->rows) {
        return absl::InvalidArgumentError(
            absl::StrCat("top-k: user ", u,
                         " is outside the excluded-items "
                         "matrix (",
                         exclude->rows, " rows)"));
      }
    }
  }
  const int k = options.k;
  TopKLists lists;
  lists.k = k;
  lists.num_items = num_items;
  lists.users.assign(users.begin(), users.end());
  lists.items.resize(users.size() * k);
  lists.scores.resize(users.size() * k);
  const int64_t batch = options.batch_users;
  std::vector<float> scores;
  for (size_t begin = 0; begin < users.size(); begin += batch) {
    const int64_t n = std::min<int64_t>(batch, users.size() - begin);
    scores.assign(n * num_items, 0.0f);
    TAILOR_RETURN_IF_ERROR(
        scorer(users.subspan(begin, n), absl::MakeSpan(scores)));
    std::vector<int64_t> nan_item(n, -1);
#pragma omp parallel
    {
      std::vector<uint32_t> candidates;
#pragma omp for schedule(dynamic, 4)
      for (int64_t b = 0; b < n; ++b) {
        const size_t row = begin + b;
        nan_item[b] = SelectTopK(&scores[b * num_items], num_items, exclude,
                                 users[row], k, candidates,
                                 &lists.items[row * k], &lists.scores[row * k]);
      }
    }
    for (int64_t b = 0; b < n; ++b) {
      if (nan_item[b] >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("top-k: the scorer returned NaN for user ",
                         users[begin + b], " item ", nan_item[b]));
      }
    }
  }
  return lists;
}

}  // namespace tailor
