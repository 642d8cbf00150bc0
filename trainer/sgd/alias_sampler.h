#ifndef TAILOR_TRAINER_SGD_ALIAS_SAMPLER_H_
#define TAILOR_TRAINER_SGD_ALIAS_SAMPLER_H_

// Walker/Vose alias table: draws index i in [0, n) with probability
// weight[i] / sum(weight) in O(1). Immutable after Create; Sample is
// thread-safe given a per-thread generator.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor {

class AliasSampler {
 public:
  // Fails if `weights` is empty, has a negative or non-finite weight, or sums
  // to zero.
  static absl::StatusOr<AliasSampler> Create(absl::Span<const double> weights);

  uint32_t Sample(SplitMix64& rng) const {
    const uint64_t r = rng.Next();
    const uint32_t i = static_cast<uint32_t>(((r >> 32) * prob_.size()) >> 32);
    const float u = (r & 0xffffff) * (1.0f / 16777216.0f);
    return u < prob_[i] ? i : alias_[i];
  }
  uint32_t size() const { return static_cast<uint32_t>(prob_.size()); }

 private:
  std::vector<float> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_ALIAS_SAMPLER_H_
