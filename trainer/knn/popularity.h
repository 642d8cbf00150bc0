#ifndef TAILOR_TRAINER_KNN_POPULARITY_H_
#define TAILOR_TRAINER_KNN_POPULARITY_H_

// The popularity baseline: every user gets the same item scores, the number
// of interactions per item (or the sum of their values), optionally
// time-decayed with a half-life: weight = 2^(-(reference - t) / half_life).
// Immutable after Train; const methods are thread-safe.

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"

namespace tailor {

struct PopularityOptions {
  bool use_values = false;       // sum values instead of counting entries
  double half_life_seconds = 0;  // 0: no decay; > 0 needs timestamps
  // Decay reference time; the default means the latest timestamp.
  int64_t reference_time = std::numeric_limits<int64_t>::min();
};

class PopularityModel {
 public:
  // Errors: invalid matrix or timestamps, negative half-life, decay without
  // timestamps.
  static absl::StatusOr<std::unique_ptr<PopularityModel>> Train(
      const CsrMatrix& user_major, absl::Span<const int64_t> timestamps,
      const PopularityOptions& options);

  // Writes item_scores() into each of the users.size() rows of `scores`
  // (a BatchScorer). Errors: size mismatch, user id out of range.
  absl::Status ScoreItems(absl::Span<const uint32_t> users,
                          absl::Span<float> scores) const;

  const std::vector<float>& item_scores() const { return item_scores_; }

 private:
  PopularityModel() = default;
  int64_t num_users_ = 0;
  std::vector<float> item_scores_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_KNN_POPULARITY_H_
