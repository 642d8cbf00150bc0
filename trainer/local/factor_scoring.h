#ifndef TAILOR_TRAINER_LOCAL_FACTOR_SCORING_H_
#define TAILOR_TRAINER_LOCAL_FACTOR_SCORING_H_

// Scores of latent-factor models: score(u, i) = <p_u, q_i> + b_i for a batch
// of users against every item, as one matrix product. Pure functions.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace tailor {

// A row-major factor matrix view: row r starts at data + r * stride.
struct DenseFactors {
  const float* data = nullptr;
  int64_t rows = 0;
  int cols = 0;
  int64_t stride = 0;
};

// scores[b * items.rows + i] = <users row users_batch[b], items row i>
// + (item_bias.empty() ? 0 : item_bias[i]). Errors: shape mismatches, a
// user index out of range.
absl::Status ScoreByFactors(const DenseFactors& users,
                            const DenseFactors& items,
                            absl::Span<const float> item_bias,
                            absl::Span<const uint32_t> users_batch,
                            absl::Span<float> scores);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_FACTOR_SCORING_H_
