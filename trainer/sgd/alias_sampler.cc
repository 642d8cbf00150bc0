#include "trainer/sgd/alias_sampler.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<AliasSampler> AliasSampler::Create(
    absl::Span<const double> weights) {
  const size_t n = weights.size();
  if (n == 0) return absl::InvalidArgumentError("alias sampler: no weights");
  if (n > 0xffffffffULL)
    return absl::InvalidArgumentError("alias sampler: too many weights");
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alias sampler: weight ", i, " = ", weights[i], " is invalid"));
    }
    total += weights[i];
  }
  if (!(total > 0))
    return absl::InvalidArgumentError("alias sampler: weights sum to zero");
  AliasSampler s;
  s.prob_.assign(n, 1.0f);
  s.alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    s.alias_[i] = static_cast<uint32_t>(i);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t l = small.back();
    small.pop_back();
    const uint32_t g = large.back();
    s.prob_[l] = static_cast<float>(scaled[l]);
    s.alias_[l] = g;
    scaled[g] = (scaled[g] + scaled[l]) - 1.0;
    if (scaled[g] < 1.0) {
      large.pop_back();
      small.push_back(g);
    }
  }
  // Leftovers (rounding) keep probability 1 of themselves.
  return s;
}

}  // namespace tailor
