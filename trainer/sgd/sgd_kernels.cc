#include "trainer/sgd/sgd_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "trainer/sgd/sgd_random.h"

namespace tailor {
namespace {

#if defined(__AVX2__) && defined(__FMA__)

inline float HorizontalSum(__m256 v) {
  __m128 lo =
      _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  __m128 sh = _mm_movehdup_ps(lo);
  __m128 s = _mm_add_ps(lo, sh);
  sh = _mm_movehl_ps(sh, s);
  return _mm_cvtss_f32(_mm_add_ss(s, sh));
}
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

// Entries between the prefetch of an item row and its use.
constexpr int kAhead = 3;

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
  // One exp: sigmoid(x) = e^x / (1 + e^x), softplus(x) = log(1 + e^x).
  const float ex = std::exp(std::clamp(x, -30.0f, 30.0f));
  const float g = label - ex / (1.0f + ex);
  BiasStep(bu, g, s);
  BiasStep(bi, g, s);
  PairUpdate<false>(p, q, s.factors, s.learning_rate * g,
                    1.0f - s.learning_rate * s.reg_factors);
  const float softplus = x > 30.0f ? x : std::log(1.0f + ex);
  return softplus - label * x;
}

inline float BprStepImpl(const SgdStepParams& s, float* p, float* qi, float* bi,
                         float* qj, float* bj) {
  float di, dj;
  Dot2(p, qi, qj, s.factors, &di, &dj);
  const float x = BiasValue(bi) - BiasValue(bj) + di - dj;
  // One exp for both: g = sigmoid(-x) = 1 / (1 + e^x),
  // softplus(-x) = log(1 + e^x) - x.
  const float ex = std::exp(std::clamp(x, -30.0f, 30.0f));
  const float g = 1.0f / (1.0f + ex);
  BiasStep(bi, g, s);
  BiasStep(bj, -g, s);
  TripleUpdate(p, qi, qj, s.factors, s.learning_rate * g,
               1.0f - s.learning_rate * s.reg_factors);
  return x > 30.0f ? std::exp(-x) : std::log(1.0f + ex) - x;
}

#if defined(__AVX2__) && defined(__FMA__)
// Register-resident variants for k = 8 * NC (NC <= 8): the user's row lives
// in NC ymm registers for the whole run of that user's entries, so each
// update only loads and stores the item row.
template <int NC>
inline float DotRegs(const __m256 (&p)[NC], const float* q) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (int c = 0; c + 1 < NC; c += 2) {
    acc0 = _mm256_fmadd_ps(p[c], _mm256_loadu_ps(q + 8 * c), acc0);
    acc1 = _mm256_fmadd_ps(p[c + 1], _mm256_loadu_ps(q + 8 * c + 8), acc1);
  }
  if (NC % 2 == 1) {
    acc0 = _mm256_fmadd_ps(p[NC - 1], _mm256_loadu_ps(q + 8 * (NC - 1)), acc0);
  }
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

template <int NC, bool kNonNegative>
BlockStats ExplicitBlockRegs(const SgdBlock& block, const SgdStepParams& s,
                             const FactorView& users, const FactorView& items) {
  double loss = 0;
  const uint32_t* item_ids = block.items.data();
  const float* values = block.values.data();
  const int64_t n = block.nnz();
  const __m256 sv = _mm256_set1_ps(1.0f - s.learning_rate * s.reg_factors);
  const __m256 zero = _mm256_setzero_ps();
  const float lr = s.learning_rate, lrb = s.bias_learning_rate;
  const float regb = s.reg_bias, mu = s.global_mean;
  for (size_t ui = 0; ui < block.users.size(); ++ui) {
    const uint32_t u = block.users[ui];
    float* prow = users.Row(u);
    float* bu_ptr = users.Bias(u);
    float bu = bu_ptr != nullptr ? *bu_ptr : 0.0f;
    __m256 p[NC];
    for (int c = 0; c < NC; ++c) p[c] = _mm256_loadu_ps(prow + 8 * c);
    const uint32_t end = block.user_offsets[ui + 1];
    for (uint32_t e = block.user_offsets[ui]; e < end; ++e) {
      if (e + kAhead < n) Prefetch(items.Row(item_ids[e + kAhead]), 8 * NC);
      const uint32_t i = item_ids[e];
      float* q = items.Row(i);
      float* bi = items.Bias(i);
      const float bi_val = bi != nullptr ? *bi : 0.0f;
      const float err = values[e] - (mu + bu + bi_val + DotRegs<NC>(p, q));
      loss += err * err;
      if (bu_ptr != nullptr) bu += lrb * (err - regb * bu);
      if (bi != nullptr) *bi = bi_val + lrb * (err - regb * bi_val);
      const __m256 av = _mm256_set1_ps(lr * err);
      for (int c = 0; c < NC; ++c) {
        const __m256 qv = _mm256_loadu_ps(q + 8 * c);
        __m256 qn = _mm256_fmadd_ps(av, p[c], _mm256_mul_ps(sv, qv));
        p[c] = _mm256_fmadd_ps(av, qv, _mm256_mul_ps(sv, p[c]));
        if (kNonNegative) {
          qn = _mm256_max_ps(qn, zero);
          p[c] = _mm256_max_ps(p[c], zero);
        }
        _mm256_storeu_ps(q + 8 * c, qn);
      }
    }
    for (int c = 0; c < NC; ++c) _mm256_storeu_ps(prow + 8 * c, p[c]);
    if (bu_ptr != nullptr) *bu_ptr = bu;
  }
  BlockStats stats;
  stats.loss_sum = loss;
  stats.examples = n;
  return stats;
}
#endif

template <bool kNonNegative>
BlockStats ExplicitBlock(const SgdBlock& block, const SgdStepParams& s,
                         const FactorView& users, const FactorView& items) {
#if defined(__AVX2__) && defined(__FMA__)
  if (s.factors % 8 == 0) {
    switch (s.factors / 8) {
#define TAILOR_SGD_CASE(NC) \
  case NC:                  \
    return ExplicitBlockRegs<NC, kNonNegative>(block, s, users, items);
      TAILOR_SGD_CASE(1)
      TAILOR_SGD_CASE(2)
      TAILOR_SGD_CASE(3)
      TAILOR_SGD_CASE(4)
      TAILOR_SGD_CASE(5)
      TAILOR_SGD_CASE(6)
      TAILOR_SGD_CASE(7)
      TAILOR_SGD_CASE(8)
#undef TAILOR_SGD_CASE
      default:
        break;
    }
  }
#endif
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
      if (e + kAhead < n) Prefetch(items.Row(item_ids[e + kAhead]), k);
      const uint32_t i = item_ids[e];
      loss += ExplicitStepImpl<kNonNegative>(s, block.values[e], p, bu,
                                             items.Row(i), items.Bias(i));
    }
  }
  stats.loss_sum = loss;
  stats.examples = n;
  return stats;
}

// Whether sorted [first, first + n) (n >= 1) holds x; branch-free search
// (the probes are unpredictable).
inline bool Contains(const uint32_t* first, size_t n, uint32_t x) {
  while (n > 1) {
    const size_t half = n / 2;
    first = first[half] <= x ? first + half : first;
    n -= half;
  }
  return *first == x;
}

// Draws a negative for user segment [first, last) (sorted items) from the
// block's column range; returns kNoNegative if none was found.
constexpr uint32_t kNoNegative = 0xffffffffu;
inline uint32_t DrawNegative(const SgdStepParams& s, const SgdBlock& block,
                             const uint32_t* first, const uint32_t* last,
                             SplitMix64& rng) {
  const uint32_t width = block.col_end - block.col_begin;
  for (int d = 0; d < s.max_negative_draws; ++d) {
    const uint32_t j =
        block.col_begin +
        (s.sampler != nullptr ? s.sampler->Sample(rng) : rng.Below(width));
    if (!s.reject_known_negatives || !Contains(first, last - first, j)) {
      return j;
    }
  }
  return kNoNegative;
}

BlockStats ImplicitBlock(const SgdBlock& block, const SgdStepParams& s,
                         const FactorView& users, const FactorView& items,
                         uint64_t seed) {
  BlockStats stats;
  SplitMix64 rng(seed);
  double loss = 0;
  const bool bpr = s.algorithm == SgdAlgorithm::kBpr;
  const int k = s.factors;
  const int negatives = s.negatives;
  const uint32_t* item_ids = block.items.data();
  std::vector<uint32_t> drawn;   // this user's negatives, drawn up front
  constexpr int kLookahead = 4;  // steps between a prefetch and its use
  for (size_t ui = 0; ui < block.users.size(); ++ui) {
    const uint32_t u = block.users[ui];
    float* p = users.Row(u);
    float* bu = users.Bias(u);
    const uint32_t begin = block.user_offsets[ui];
    const uint32_t end = block.user_offsets[ui + 1];
    drawn.resize(static_cast<size_t>(end - begin) * negatives);
    for (uint32_t& j : drawn) {
      j = DrawNegative(s, block, item_ids + begin, item_ids + end, rng);
    }
    const int total = static_cast<int>(drawn.size());
    for (int t = 0; t < std::min(kLookahead, total); ++t) {
      if (drawn[t] != kNoNegative) Prefetch(items.Row(drawn[t]), k);
    }
    for (uint32_t e = begin; e < end; ++e) {
      const uint32_t i = item_ids[e];
      float* qi = items.Row(i);
      float* bi = items.Bias(i);
      if (!bpr) {
        loss += LogisticStepImpl(s, 1.0f, p, bu, qi, bi);
        ++stats.examples;
      }
      for (int n = 0; n < negatives; ++n) {
        const int t = static_cast<int>(e - begin) * negatives + n;
        if (t + kLookahead < total && drawn[t + kLookahead] != kNoNegative) {
          Prefetch(items.Row(drawn[t + kLookahead]), k);
        }
        const uint32_t j = drawn[t];
        if (j == kNoNegative || j == i) {
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
