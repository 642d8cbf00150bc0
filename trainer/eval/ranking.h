#ifndef TAILOR_TRAINER_EVAL_RANKING_H_
#define TAILOR_TRAINER_EVAL_RANKING_H_

// Top-k lists from a batch scoring function: the bridge between any model
// and the ranking metrics. Models expose a BatchScorer; RecommendTopK calls
// it for batches of users (serially, from the calling thread; the scorer may
// use threads inside) and selects each user's k best items in parallel with
// OpenMP, excluding the user's training items.

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"

namespace tailor {

// Fills `scores` (users.size() x num_items, row-major) with the score of
// every item for every user in `users`. Higher is better. An item scored
// -infinity is never recommended; NaN is an error.
using BatchScorer = std::function<absl::Status(absl::Span<const uint32_t> users,
                                               absl::Span<float> scores)>;

// Predicts one value per (users[i], items[i]) pair into out[i] (ratings for
// RMSE, scores for leave-one-out).
using PairScorer = std::function<absl::Status(absl::Span<const uint32_t> users,
                                              absl::Span<const uint32_t> items,
                                              absl::Span<float> out)>;

inline constexpr uint32_t kNoItem = std::numeric_limits<uint32_t>::max();

// Row i holds users[i]'s list: items[i * k + j] is its (j+1)-th item, padded
// with kNoItem when fewer than k items were eligible.
struct TopKLists {
  int k = 0;
  int64_t num_items = 0;
  std::vector<uint32_t> users;
  std::vector<uint32_t> items;
  std::vector<float> scores;
};

struct TopKOptions {
  int k = 10;                          // >= 1
  int64_t batch_users = 256;           // users per scorer call, >= 1
  const CsrMatrix* exclude = nullptr;  // e.g. train; rows = users, not owned
};

// Ties are broken by the lower item index. Errors: k < 1, batch_users < 1,
// a user id >= exclude->rows, exclude->cols != num_items, scorer errors
// (passed through), NaN scores (naming user and item).
absl::StatusOr<TopKLists> RecommendTopK(const BatchScorer& scorer,
                                        int64_t num_items,
                                        absl::Span<const uint32_t> users,
                                        const TopKOptions& options);

// The users with at least one entry in `m` (sorted).
std::vector<uint32_t> UsersWithEntries(const CsrMatrix& m);

}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_RANKING_H_
