#ifndef TAILOR_TRAINER_SGD_SGD_RANDOM_H_
#define TAILOR_TRAINER_SGD_SGD_RANDOM_H_

// Small, fast, seedable random numbers for the SGD kernels: SplitMix64 (one
// 64-bit state, passes BigCrush) and a seed-derivation function so every
// (seed, epoch, block) gets an independent stream. Not thread-safe: one
// generator per thread or per block.

#include <cmath>
#include <cstdint>

namespace tailor {

inline uint64_t MixBits64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A seed for stream (a, b, c) of `seed`, e.g. (epoch, block, purpose).
inline uint64_t DeriveSeed(uint64_t seed, uint64_t a, uint64_t b = 0,
                           uint64_t c = 0) {
  uint64_t h = MixBits64(seed + 0x9e3779b97f4a7c15ULL);
  h = MixBits64(h ^ (a + 0x632be59bd9b4e019ULL));
  h = MixBits64(h ^ (b + 0x85157af5a5a5a5a5ULL));
  return MixBits64(h ^ (c + 0x2545f4914f6cdd1dULL));
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return MixBits64(state_);
  }
  // Uniform in [0, n), n >= 1 (multiply-shift; bias < n / 2^32).
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * n) >> 32);
  }
  // Uniform in [0, 1).
  float Uniform01() { return (Next() >> 40) * (1.0f / 16777216.0f); }
  // Standard normal (Box-Muller, one value per call).
  float Normal() {
    const double u1 = ((Next() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    const double u2 = (Next() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) *
                              std::cos(6.283185307179586 * u2));
  }

 private:
  uint64_t state_;
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_SGD_RANDOM_H_
