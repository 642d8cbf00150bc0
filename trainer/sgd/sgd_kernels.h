#ifndef TAILOR_TRAINER_SGD_SGD_KERNELS_H_
#define TAILOR_TRAINER_SGD_SGD_KERNELS_H_

// The SGD update rules and the per-block pass that both the single-process
// trainer and the distributed worker run. AVX2 + FMA inner loops (8 floats
// per instruction, scalar tail when k % 8 != 0); float32 throughout.
// Functions are reentrant; concurrent calls must touch disjoint rows.
//
// Per-example losses (gradient descent on exactly these; L2 is applied to
// the parameters an example touches):
//   biased_mf: 1/2 e^2 + reg_f/2 (|p|^2 + |q|^2) + reg_b/2 (b_u^2 + b_i^2),
//              e = r - (mu + b_u + b_i + p.q); pmf, nmf: no biases, mu = 0
//              (nmf projects factors onto >= 0 after each step).
//   bpr:       softplus(-x) + reg_f/2 (|p|^2+|q_i|^2+|q_j|^2)
//              + reg_b/2 (b_i^2 + b_j^2),  x = b_i - b_j + p.(q_i - q_j)
//   logistic:  softplus(x) - y x + reg_f/2 (|p|^2 + |q|^2)
//              + reg_b/2 (b_u^2 + b_i^2),  x = b_u + b_i + p.q, y in {0,1}

#include <cstdint>

#include "trainer/sgd/alias_sampler.h"
#include "trainer/sgd/block_grid.h"
#include "trainer/sgd/sgd_options.h"

namespace tailor {

// Rows of a factor table: row of global id g is data + (g - first_row) *
// stride (stride >= factors); bias (may be null) is indexed the same way.
struct FactorView {
  float* data = nullptr;
  int64_t stride = 0;
  uint32_t first_row = 0;
  float* bias = nullptr;
  float* Row(uint32_t id) const { return data + (id - first_row) * stride; }
  float* Bias(uint32_t id) const {
    return bias == nullptr ? nullptr : bias + (id - first_row);
  }
};

struct SgdStepParams {
  SgdAlgorithm algorithm = SgdAlgorithm::kBiasedMf;
  int factors = 0;
  float learning_rate = 0;  // this epoch's (after the schedule)
  float bias_learning_rate = 0;
  float reg_factors = 0;
  float reg_bias = 0;
  float global_mean = 0;  // biased_mf only
  // bpr / logistic:
  int negatives = 1;
  bool reject_known_negatives = true;
  int max_negative_draws = 8;
  // Draws a column offset within the block's column range; null: uniform.
  const AliasSampler* sampler = nullptr;
};

struct BlockStats {
  double loss_sum = 0;   // data loss before each step (e^2 for ratings)
  int64_t examples = 0;  // terms in loss_sum
  int64_t skipped = 0;   // negatives not found within max_negative_draws
};

// One SGD pass over `block` (users ascending, each user's entries in
// order), updating the rows of `users` and `items` in place. Negatives are
// drawn from the block's column range with a generator seeded by `seed`.
// Bias pointers of the views may be null for algorithms without them.
BlockStats RunSgdBlock(const SgdBlock& block, const SgdStepParams& params,
                       const FactorView& users, const FactorView& items,
                       uint64_t seed);

// Single steps (the same code RunSgdBlock runs); each returns the data loss
// before the step. Null bias pointers mean "no bias".
float ExplicitStep(const SgdStepParams& params, float rating, float* p,
                   float* b_u, float* q, float* b_i);
float BprStep(const SgdStepParams& params, float* p, float* q_i, float* b_i,
              float* q_j, float* b_j);
float LogisticStep(const SgdStepParams& params, float label, float* p,
                   float* b_u, float* q, float* b_i);

// The full per-example losses above, in double precision, for gradient
// checks and exact training losses.
double ExplicitLoss(const SgdStepParams& params, float rating, const float* p,
                    const float* b_u, const float* q, const float* b_i);
double BprLoss(const SgdStepParams& params, const float* p, const float* q_i,
               const float* b_i, const float* q_j, const float* b_j);
double LogisticLoss(const SgdStepParams& params, float label, const float* p,
                    const float* b_u, const float* q, const float* b_i);

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_SGD_KERNELS_H_
