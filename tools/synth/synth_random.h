#ifndef TAILOR_TOOLS_SYNTH_SYNTH_RANDOM_H_
#define TAILOR_TOOLS_SYNTH_SYNTH_RANDOM_H_

// Counter-based random streams and an alias sampler for the synthetic log
// generator. A stream is named by (seed, stream, index), so the numbers a
// user or an item gets never depend on which thread generates it or in which
// order: that is what keeps the generator's output byte-identical for any
// thread count.

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tailor {

// The splitmix64 finalizer: a bijective 64-bit mix.
inline uint64_t SplitMix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A splitmix64 sequence. Cheap to construct (a few multiplies), so one is made
// per user and per item. Not thread-safe; copyable.
class SynthRng {
 public:
  SynthRng(uint64_t seed, uint64_t stream, uint64_t index);

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return SplitMix64(state_);
  }
  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1).
  double UniformOpen() { return ((Next() >> 11) + 0.5) * 0x1.0p-53; }
  // Uniform integer in [0, n); n > 0. Multiply-shift, bias below 2^-32.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >>
                                 64);
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller; the second value is cached).
  double Normal();
  // Exponential with the given mean.
  double Exponential(double mean);

 private:
  uint64_t state_;
  double cached_normal_ = 0.0;
  bool has_cached_normal_ = false;
};

// Walker/Vose alias table: O(1) draws from a fixed discrete distribution.
// Immutable after construction, so thread-safe for concurrent Sample calls.
class AliasTable {
 public:
  AliasTable() = default;
  // Negative or non-finite weights count as 0; when no weight is positive
  // (or `weights` is empty) the table samples uniformly from max(1, size).
  explicit AliasTable(absl::Span<const double> weights);

  uint32_t Sample(SynthRng& rng) const {
    const uint64_t slot = rng.Below(prob_.size());
    return rng.Uniform() < prob_[slot] ? static_cast<uint32_t>(slot)
                                       : alias_[slot];
  }
  size_t size() const { return prob_.size(); }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace tailor

#endif  // TAILOR_TOOLS_SYNTH_SYNTH_RANDOM_H_
