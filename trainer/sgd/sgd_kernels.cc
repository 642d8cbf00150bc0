#include "trainer/sgd/sgd_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "trainer/sgd/sgd_random.h"

namespace tailor {
namespace {

#if defined(__AVX2__) && defined(__FMA__)
constexpr bool kHaveAvx2 = true;

inline float HorizontalSum(__m256 v) {
  __m128 lo =
      _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  __m128 sh = _mm_movehdup_ps(lo);
  __m128 s = _mm_add_ps(lo, sh);
  sh = _mm_movehl_ps(sh, s);
  return _mm_cvtss_f32(_mm_add_ss(s, sh));
}
#else
constexpr bool kHaveAvx2 = false;
#endif

// a . b over k floats.
inline float Dot(const float* a, const float* b, int k) {
  int f = 0;
  float sum = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (; f + 16 <= k; f += 16) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + f), _mm256_loadu_ps(b + f), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + f + 8),
                           _mm256_loadu_ps(b + f + 8), acc1);
  }
  if (f + 8 <= k) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + f), _mm256_loadu_ps(b + f), acc0);
    f += 8;
  }
  sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
#endif
  for (; f < k; ++f) sum += a[f] * b[f];
  return sum;
}

// p . q_i and p . q_j in one pass.
inline void Dot2(const float* p, const float* qi, const float* qj, int k,
                 float* di, float* dj) {
  int f = 0;
  float si = 0, sj = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 ai = _mm256_setzero_ps(), aj = _mm256_setzero_ps();
  for (; f + 8 <= k; f += 8) {
    const __m256 pv = _mm256_loadu_ps(p + f);
    ai = _mm256_fmadd_ps(pv, _mm256_loadu_ps(qi + f), ai);
    aj = _mm256_fmadd_ps(pv, _mm256_loadu_ps(qj + f), aj);
  }
  si = HorizontalSum(ai);
  sj = HorizontalSum(aj);
#endif
  for (; f < k; ++f) {
    si += p[f] * qi[f];
    sj += p[f] * qj[f];
  }
  *di = si;
  *dj = sj;
}

// p <- shrink p + a q ; q <- shrink q + a p_old ; optionally clamped at 0.
template <bool kNonNegative>
inline void PairUpdate(float* p, float* q, int k, float a, float shrink) {
  int f = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 av = _mm256_set1_ps(a), sv = _mm256_set1_ps(shrink);
  const __m256 zero = _mm256_setzero_ps();
  for (; f + 8 <= k; f += 8) {
    const __m256 pv = _mm256_loadu_ps(p + f), qv = _mm256_loadu_ps(q + f);
    __m256 pn = _mm256_fmadd_ps(av, qv, _mm256_mul_ps(sv, pv));
    __m256 qn = _mm256_fmadd_ps(av, pv, _mm256_mul_ps(sv, qv));
    if (kNonNegative) {
      pn = _mm256_max_ps(pn, zero);
      qn = _mm256_max_ps(qn, zero);
    }
    _mm256_storeu_ps(p + f, pn);
    _mm256_storeu_ps(q + f, qn);
  }
#endif
  for (; f < k; ++f) {
    float pn = shrink * p[f] + a * q[f];
    float qn = shrink * q[f] + a * p[f];
    if (kNonNegative) {
      pn = std::max(pn, 0.0f);
      qn = std::max(qn, 0.0f);
    }
    p[f] = pn;
    q[f] = qn;
  }
}

// BPR: p <- s p + a (qi - qj); qi <- s qi + a p_old; qj <- s qj - a p_old.
inline void TripleUpdate(float* p, float* qi, float* qj, int k, float a,
                         float shrink) {
  int f = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 av = _mm256_set1_ps(a), sv = _mm256_set1_ps(shrink);
  for (; f + 8 <= k; f += 8) {
    const __m256 pv = _mm256_loadu_ps(p + f);
    const __m256 iv = _mm256_loadu_ps(qi + f), jv = _mm256_loadu_ps(qj + f);
    const __m256 ap = _mm256_mul_ps(av, pv);
    _mm256_storeu_ps(p + f, _mm256_fmadd_ps(av, _mm256_sub_ps(iv, jv),
                                            _mm256_mul_ps(sv, pv)));
    _mm256_storeu_ps(qi + f, _mm256_fmadd_ps(sv, iv, ap));
    _mm256_storeu_ps(qj + f, _mm256_fmsub_ps(sv, jv, ap));
  }
#endif
  for (; f < k; ++f) {
    const float pv = p[f], iv = qi[f], jv = qj[f];
    p[f] = shrink * pv + a * (iv - jv);
    qi[f] = shrink * iv + a * pv;
    qj[f] = shrink * jv - a * pv;
  }
}

inline float Softplus(float x) {  // log(1 + e^x), stable
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline void Prefetch(const float* row, int k) {
  const char* c = reinterpret_cast<const char*>(row);
  for (int off = 0; off < k * 4; off += 64) {
    _mm_prefetch(c + off, _MM_HINT_T0);
  }
}

// The bias update of one step: b <- b + lr_b (g - reg_b b).
inline void BiasStep(float* b, float g, const SgdStepParams& s) {
  if (b != nullptr) *b += s.bias_learning_rate * (g - s.reg_bias * *b);
}
inline float BiasValue(const float* b) { return b == nullptr ? 0.0f : *b; }

template <bool kNonNegative>
inline float ExplicitStepImpl(const SgdStepParams& s, float rating, float* p,
                              float* bu, float* q, float* bi) {
  const float e = rating - (s.global_mean + BiasValue(bu) + BiasValue(bi) +
                            Dot(p, q, s.factors));
  BiasStep(bu, e, s);
  BiasStep(bi, e, s);
  PairUpdate<kNonNegative>(p, q, s.factors, s.learning_rate * e,
                           1.0f - s.learning_rate * s.reg_factors);
  return e * e;
}

inline float LogisticStepImpl(const SgdStepParams& s, float label, float* p,
                              float* bu, float* q, float* bi) {
  const float x = BiasValue(bu) + BiasValue(bi) + Dot(p, q, s.factors);
  const float g = label - Sigmoid(x);
  BiasStep(bu, g, s);
  BiasStep(bi, g, s);
  PairUpdate<false>(p, q, s.factors, s.learning_rate * g,
                    1.0f - s.learning_rate * s.reg_factors);
  return Softplus(x) - label * x;
}

inline float BprStepImpl(const SgdStepParams& s, float* p, float* qi, float* bi,
                         float* qj, float* bj) {
  float di, dj;
  Dot2(p, qi, qj, s.factors, &di, &dj);
  const float x = BiasValue(bi) - BiasValue(bj) + di - dj;
  const float g = Sigmoid(-x);
  BiasStep(bi, g, s);
  BiasStep(bj, -g, s);
  TripleUpdate(p, qi, qj, s.factors, s.learning_rate * g,
               1.0f - s.learning_rate * s.reg_factors);
  return Softplus(-x);
}

template <bool kNonNegative>
BlockStats ExplicitBlock(const SgdBlock& block, const SgdStepParams& s,
                         const FactorView& users, const FactorView& items) {
  BlockStats stats;
  double loss = 0;
  const int k = s.factors;
  const uint32_t* item_ids = block.items.data();
  const int64_t n = block.nnz();
  for (size_t ui = 0; ui < block.users.size(); ++ui) {
    const uint32_t u = block.users[ui];
    float* p = users.Row(u);
    float* bu = users.Bias(u);
    const uint32_t end = block.user_offsets[ui + 1];
    for (uint32_t e = block.user_offsets[ui]; e < end; ++e) {
      if (e + 1 < n) Prefetch(items.Row(item_ids[e + 1]), k);
      const uint32_t i = item_ids[e];
      loss += ExplicitStepImpl<kNonNegative>(s, block.values[e], p, bu,
                                             items.Row(i), items.Bias(i));
    }
  }
  stats.loss_sum = loss;
  stats.examples = n;
  return stats;
}

// Draws a negative for user segment [first, last) (sorted items) from the
// block's column range; returns false if none was found.
inline bool DrawNegative(const SgdStepParams& s, const SgdBlock& block,
                         const uint32_t* first, const uint32_t* last,
                         SplitMix64& rng, uint32_t* out) {
  const uint32_t width = block.col_end - block.col_begin;
  for (int d = 0; d < s.max_negative_draws; ++d) {
    const uint32_t j =
        block.col_begin +
        (s.sampler != nullptr ? s.sampler->Sample(rng) : rng.Below(width));
    if (!s.reject_known_negatives || !std::binary_search(first, last, j)) {
      *out = j;
      return true;
    }
  }
  return false;
}

BlockStats ImplicitBlock(const SgdBlock& block, const SgdStepParams& s,
                         const FactorView& users, const FactorView& items,
                         uint64_t seed) {
  BlockStats stats;
  SplitMix64 rng(seed);
  double loss = 0;
  const bool bpr = s.algorithm == SgdAlgorithm::kBpr;
  const uint32_t* item_ids = block.items.data();
  for (size_t ui = 0; ui < block.users.size(); ++ui) {
    const uint32_t u = block.users[ui];
    float* p = users.Row(u);
    float* bu = users.Bias(u);
    const uint32_t begin = block.user_offsets[ui];
    const uint32_t end = block.user_offsets[ui + 1];
    for (uint32_t e = begin; e < end; ++e) {
      const uint32_t i = item_ids[e];
      float* qi = items.Row(i);
      float* bi = items.Bias(i);
      if (!bpr) {
        loss += LogisticStepImpl(s, 1.0f, p, bu, qi, bi);
        ++stats.examples;
      }
      for (int n = 0; n < s.negatives; ++n) {
        uint32_t j;
        if (!DrawNegative(s, block, item_ids + begin, item_ids + end, rng,
                          &j) ||
            j == i) {
          ++stats.skipped;
          continue;
        }
        if (bpr) {
          loss += BprStepImpl(s, p, qi, bi, items.Row(j), items.Bias(j));
        } else {
          loss += LogisticStepImpl(s, 0.0f, p, bu, items.Row(j), items.Bias(j));
        }
        ++stats.examples;
      }
    }
  }
  stats.loss_sum = loss;
  return stats;
}

double Dot64(const float* a, const float* b, int k) {
  double s = 0;
  for (int f = 0; f < k; ++f) s += static_cast<double>(a[f]) * b[f];
  return s;
}
double SqNorm(const float* a, int k) { return Dot64(a, a, k); }
double Sq(const float* b) { return b == nullptr ? 0.0 : double{*b} * *b; }
double Val(const float* b) { return b == nullptr ? 0.0 : *b; }
double Softplus64(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace

BlockStats RunSgdBlock(const SgdBlock& block, const SgdStepParams& params,
                       const FactorView& users, const FactorView& items,
                       uint64_t seed) {
  (void)kHaveAvx2;
  switch (params.algorithm) {
    case SgdAlgorithm::kBiasedMf:
    case SgdAlgorithm::kPmf:
      return ExplicitBlock<false>(block, params, users, items);
    case SgdAlgorithm::kNmf:
      return ExplicitBlock<true>(block, params, users, items);
    case SgdAlgorithm::kBpr:
    case SgdAlgorithm::kLogistic:
      return ImplicitBlock(block, params, users, items, seed);
  }
  return BlockStats();
}

float ExplicitStep(const SgdStepParams& params, float rating, float* p,
                   float* b_u, float* q, float* b_i) {
  if (params.algorithm == SgdAlgorithm::kNmf) {
    return ExplicitStepImpl<true>(params, rating, p, b_u, q, b_i);
  }
  return ExplicitStepImpl<false>(params, rating, p, b_u, q, b_i);
}

float BprStep(const SgdStepParams& params, float* p, float* q_i, float* b_i,
              float* q_j, float* b_j) {
  return BprStepImpl(params, p, q_i, b_i, q_j, b_j);
}

float LogisticStep(const SgdStepParams& params, float label, float* p,
                   float* b_u, float* q, float* b_i) {
  return LogisticStepImpl(params, label, p, b_u, q, b_i);
}

double ExplicitLoss(const SgdStepParams& s, float rating, const float* p,
                    const float* b_u, const float* q, const float* b_i) {
  const int k = s.factors;
  const double e =
      rating - (s.global_mean + Val(b_u) + Val(b_i) + Dot64(p, q, k));
  return 0.5 * e * e + 0.5 * s.reg_factors * (SqNorm(p, k) + SqNorm(q, k)) +
         0.5 * s.reg_bias * (Sq(b_u) + Sq(b_i));
}

double BprLoss(const SgdStepParams& s, const float* p, const float* q_i,
               const float* b_i, const float* q_j, const float* b_j) {
  const int k = s.factors;
  const double x = Val(b_i) - Val(b_j) + Dot64(p, q_i, k) - Dot64(p, q_j, k);
  return Softplus64(-x) +
         0.5 * s.reg_factors *
             (SqNorm(p, k) + SqNorm(q_i, k) + SqNorm(q_j, k)) +
         0.5 * s.reg_bias * (Sq(b_i) + Sq(b_j));
}

double LogisticLoss(const SgdStepParams& s, float label, const float* p,
                    const float* b_u, const float* q, const float* b_i) {
  const int k = s.factors;
  const double x = Val(b_u) + Val(b_i) + Dot64(p, q, k);
  return Softplus64(x) - label * x +
         0.5 * s.reg_factors * (SqNorm(p, k) + SqNorm(q, k)) +
         0.5 * s.reg_bias * (Sq(b_u) + Sq(b_i));
}

}  // namespace tailor
