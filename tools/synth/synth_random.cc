#include "tools/synth/synth_random.h"

#include <cmath>

namespace tailor {

SynthRng::SynthRng(uint64_t seed, uint64_t stream, uint64_t index)
    : state_(SplitMix64(SplitMix64(seed ^ 0x6a09e667f3bcc909ULL) +
                        SplitMix64(stream * 0x9e3779b97f4a7c15ULL + 1) +
                        index * 0xd1b54a32d192ed03ULL)) {}

double SynthRng::Normal() {
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return cached_normal_;
  }
  const double r = std::sqrt(-2.0 * std::log(UniformOpen()));
  const double theta = 2.0 * M_PI * Uniform();
  cached_normal_ = r * std::sin(theta);
  has_cached_normal_ = true;
  return r * std::cos(theta);
}

double SynthRng::Exponential(double mean) {
  return -mean * std::log(UniformOpen());
}

AliasTable::AliasTable(absl::Span<const double> weights) {
  const size_t n = weights.empty() ? 1 : weights.size();
  std::vector<double> w(n, 0.0);
  double sum = 0.0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (std::isfinite(weights[i]) && weights[i] > 0) {
      w[i] = weights[i];
      sum += w[i];
    }
  }
  if (!(sum > 0)) {
    for (double& x : w) x = 1.0;
    sum = static_cast<double>(n);
  }
  prob_.assign(n, 1.0);
  alias_.resize(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    w[i] = w[i] * static_cast<double>(n) / sum;
    alias_[i] = static_cast<uint32_t>(i);
    (w[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    prob_[s] = w[s];
    alias_[s] = l;
    w[l] = (w[l] + w[s]) - 1.0;
    if (w[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers (from rounding) keep probability 1 and alias to themselves.
}

}  // namespace tailor
