#include "ranker/scoring/scan_kernels.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tailor::ranker::internal {
namespace {

// NQ queries x NP consecutive float panels, all of dim j.
template <int NQ, int NP>
inline void FloatTile(const float* panel, int dim, const float* const* q,
                      float* out, int64_t stride, const float* thresholds,
                      uint8_t* masks, int64_t mask_stride) {
  __m256 acc[NQ][NP];
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[i][p] = _mm256_setzero_ps();
  }
  const int64_t pstride = static_cast<int64_t>(dim) * kPanelItems;
  for (int j = 0; j < dim; ++j) {
    __m256 x[NP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      x[p] = _mm256_load_ps(panel + p * pstride + j * kPanelItems);
    }
#pragma GCC unroll 8
    for (int i = 0; i < NQ; ++i) {
      const __m256 b = _mm256_broadcast_ss(q[i] + j);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p)
        acc[i][p] = _mm256_fmadd_ps(b, x[p], acc[i][p]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      _mm256_storeu_ps(out + i * stride + p * kPanelItems, acc[i][p]);
    }
  }
  if (masks != nullptr) {
#pragma GCC unroll 8
    for (int i = 0; i < NQ; ++i) {
      const __m256 bar = _mm256_set1_ps(thresholds[i]);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        masks[i * mask_stride + p] = static_cast<uint8_t>(
            _mm256_movemask_ps(_mm256_cmp_ps(acc[i][p], bar, _CMP_GE_OQ)));
      }
    }
  }
}

template <int NQ, int NP>
void FloatRange(const float* panels, int dim, int64_t p0, int64_t p1,
                const float* const* q, float* scores, int64_t stride,
                const float* thresholds, uint8_t* masks, int64_t mask_stride) {
  const int64_t pstride = static_cast<int64_t>(dim) * kPanelItems;
  int64_t p = p0;
  for (; p + NP <= p1; p += NP) {
    FloatTile<NQ, NP>(
        panels + p * pstride, dim, q, scores + (p - p0) * kPanelItems, stride,
        thresholds, masks == nullptr ? nullptr : masks + (p - p0), mask_stride);
  }
  for (; p < p1; ++p) {
    FloatTile<NQ, 1>(
        panels + p * pstride, dim, q, scores + (p - p0) * kPanelItems, stride,
        thresholds, masks == nullptr ? nullptr : masks + (p - p0), mask_stride);
  }
}

template <int NQ, int NP>
inline void Int8Tile(const uint8_t* panel, int groups, const float* scales,
                     const int8_t* const* q, const float* qscale,
                     const int32_t* qoffset, float* out, int64_t stride,
                     const float* thresholds, uint8_t* masks,
                     int64_t mask_stride) {
  __m256i acc[NQ][NP];
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[i][p] = _mm256_setzero_si256();
  }
  const __m256i ones = _mm256_set1_epi16(1);
  const int64_t pstride = static_cast<int64_t>(groups) * 32;
  for (int g = 0; g < groups; ++g) {
    __m256i x[NP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      x[p] = _mm256_load_si256(
          reinterpret_cast<const __m256i*>(panel + p * pstride + g * 32));
    }
#pragma GCC unroll 8
    for (int i = 0; i < NQ; ++i) {
      int32_t packed;
      std::memcpy(&packed, q[i] + 4 * g, 4);
      const __m256i b = _mm256_set1_epi32(packed);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        const __m256i pairs = _mm256_maddubs_epi16(x[p], b);
        acc[i][p] = _mm256_add_epi32(acc[i][p], _mm256_madd_epi16(pairs, ones));
      }
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
    const __m256i offset = _mm256_set1_epi32(qoffset[i]);
    const __m256 qs = _mm256_set1_ps(qscale[i]);
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      const __m256 dot =
          _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[i][p], offset));
      const __m256 s = _mm256_mul_ps(qs, _mm256_loadu_ps(scales + p * 8));
      const __m256 score = _mm256_mul_ps(dot, s);
      _mm256_storeu_ps(out + i * stride + p * kPanelItems, score);
      if (masks != nullptr) {
        masks[i * mask_stride + p] = static_cast<uint8_t>(_mm256_movemask_ps(
            _mm256_cmp_ps(score, _mm256_set1_ps(thresholds[i]), _CMP_GE_OQ)));
      }
    }
  }
}

template <int NQ, int NP>
void Int8Range(const uint8_t* panels, const float* scales, int groups,
               int64_t p0, int64_t p1, const int8_t* const* q,
               const float* qscale, const int32_t* qoffset, float* scores,
               int64_t stride, const float* thresholds, uint8_t* masks,
               int64_t mask_stride) {
  const int64_t pstride = static_cast<int64_t>(groups) * 32;
  int64_t p = p0;
  for (; p + NP <= p1; p += NP) {
    Int8Tile<NQ, NP>(panels + p * pstride, groups, scales + p * kPanelItems, q,
                     qscale, qoffset, scores + (p - p0) * kPanelItems, stride,
                     thresholds, masks == nullptr ? nullptr : masks + (p - p0),
                     mask_stride);
  }
  for (; p < p1; ++p) {
    Int8Tile<NQ, 1>(panels + p * pstride, groups, scales + p * kPanelItems, q,
                    qscale, qoffset, scores + (p - p0) * kPanelItems, stride,
                    thresholds, masks == nullptr ? nullptr : masks + (p - p0),
                    mask_stride);
  }
}

// The same tile with AVX-VNNI: vpdpbusd does the 4 u8 x s8 products and
// their sum into int32 in one instruction. Exact integer arithmetic in both
// versions (vpmaddubsw cannot saturate with queries in [-63, 63]), so the
// scores are bit-identical.
template <int NQ, int NP>
__attribute__((target("avx2,fma,avxvnni"))) inline void Int8TileVnni(
    const uint8_t* panel, int groups, const float* scales,
    const int8_t* const* q, const float* qscale, const int32_t* qoffset,
    float* out, int64_t stride, const float* thresholds, uint8_t* masks,
    int64_t mask_stride) {
  __m256i acc[NQ][NP];
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[i][p] = _mm256_setzero_si256();
  }
  const int64_t pstride = static_cast<int64_t>(groups) * 32;
  for (int g = 0; g < groups; ++g) {
    __m256i x[NP];
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      x[p] = _mm256_load_si256(
          reinterpret_cast<const __m256i*>(panel + p * pstride + g * 32));
    }
#pragma GCC unroll 8
    for (int i = 0; i < NQ; ++i) {
      int32_t packed;
      std::memcpy(&packed, q[i] + 4 * g, 4);
      const __m256i b = _mm256_set1_epi32(packed);
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        acc[i][p] = _mm256_dpbusd_avx_epi32(acc[i][p], x[p], b);
      }
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < NQ; ++i) {
    const __m256i offset = _mm256_set1_epi32(qoffset[i]);
    const __m256 qs = _mm256_set1_ps(qscale[i]);
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) {
      const __m256 dot =
          _mm256_cvtepi32_ps(_mm256_sub_epi32(acc[i][p], offset));
      const __m256 s = _mm256_mul_ps(qs, _mm256_loadu_ps(scales + p * 8));
      const __m256 score = _mm256_mul_ps(dot, s);
      _mm256_storeu_ps(out + i * stride + p * kPanelItems, score);
      if (masks != nullptr) {
        masks[i * mask_stride + p] = static_cast<uint8_t>(_mm256_movemask_ps(
            _mm256_cmp_ps(score, _mm256_set1_ps(thresholds[i]), _CMP_GE_OQ)));
      }
    }
  }
}

template <int NQ, int NP>
__attribute__((target("avx2,fma,avxvnni"))) void Int8RangeVnni(
    const uint8_t* panels, const float* scales, int groups, int64_t p0,
    int64_t p1, const int8_t* const* q, const float* qscale,
    const int32_t* qoffset, float* scores, int64_t stride,
    const float* thresholds, uint8_t* masks, int64_t mask_stride) {
  const int64_t pstride = static_cast<int64_t>(groups) * 32;
  int64_t p = p0;
  for (; p + NP <= p1; p += NP) {
    Int8TileVnni<NQ, NP>(
        panels + p * pstride, groups, scales + p * kPanelItems, q, qscale,
        qoffset, scores + (p - p0) * kPanelItems, stride, thresholds,
        masks == nullptr ? nullptr : masks + (p - p0), mask_stride);
  }
  for (; p < p1; ++p) {
    Int8TileVnni<NQ, 1>(
        panels + p * pstride, groups, scales + p * kPanelItems, q, qscale,
        qoffset, scores + (p - p0) * kPanelItems, stride, thresholds,
        masks == nullptr ? nullptr : masks + (p - p0), mask_stride);
  }
}

}  // namespace

void PackFloatPanels(const float* rows, int64_t n, int dim, float* panels) {
  const int64_t panel_count = NumPanels(n);
  for (int64_t p = 0; p < panel_count; ++p) {
    float* panel = panels + p * dim * kPanelItems;
    for (int l = 0; l < kPanelItems; ++l) {
      const int64_t item = p * kPanelItems + l;
      const float* row = item < n ? rows + item * dim : nullptr;
      for (int j = 0; j < dim; ++j) {
        panel[j * kPanelItems + l] = row != nullptr ? row[j] : 0.0f;
      }
    }
  }
}

void PackInt8Panels(const float* rows, int64_t n, int dim, uint8_t* panels,
                    float* scales) {
  const int dim4 = Int8Dim(dim);
  const int64_t panel_count = NumPanels(n);
  for (int64_t p = 0; p < panel_count; ++p) {
    uint8_t* panel = panels + p * dim4 * kPanelItems;
    for (int l = 0; l < kPanelItems; ++l) {
      const int64_t item = p * kPanelItems + l;
      float max_abs = 0;
      if (item < n) {
        for (int j = 0; j < dim; ++j) {
          max_abs = std::max(max_abs, std::fabs(rows[item * dim + j]));
        }
      }
      const float scale = max_abs / 127.0f;
      scales[item] = scale;
      for (int j = 0; j < dim4; ++j) {
        int q = 0;
        if (item < n && j < dim && scale > 0) {
          q = static_cast<int>(std::lrint(rows[item * dim + j] / scale));
          q = std::clamp(q, -127, 127);
        }
        panel[(j / 4) * 32 + 4 * l + (j % 4)] = static_cast<uint8_t>(q + 128);
      }
    }
  }
}

void Int8ErrorNorms(const float* rows, int64_t n, int dim,
                    const uint8_t* panels, const float* scales, float* norms,
                    float* residuals) {
  const int dim4 = Int8Dim(dim);
  const int64_t padded = NumPanels(n) * kPanelItems;
  for (int64_t item = 0; item < padded; ++item) {
    double norm2 = 0, residual2 = 0;
    if (item < n) {
      const uint8_t* panel = panels + (item / kPanelItems) * dim4 * kPanelItems;
      const int l = static_cast<int>(item % kPanelItems);
      for (int j = 0; j < dim; ++j) {
        const int q =
            static_cast<int>(panel[(j / 4) * 32 + 4 * l + (j % 4)]) - 128;
        const double dequantized = static_cast<double>(scales[item]) * q;
        const double residual = rows[item * dim + j] - dequantized;
        norm2 += dequantized * dequantized;
        residual2 += residual * residual;
      }
    }
    norms[item] = static_cast<float>(std::sqrt(norm2) * (1 + 1e-6));
    residuals[item] = static_cast<float>(std::sqrt(residual2) * (1 + 1e-6));
  }
}

void QuantizeQuery(const float* query, int dim, int8_t* out, float* scale,
                   int32_t* offset) {
  float max_abs = 0;
  for (int j = 0; j < dim; ++j)
    max_abs = std::max(max_abs, std::fabs(query[j]));
  *scale = max_abs / 63.0f;
  int32_t sum = 0;
  const int dim4 = Int8Dim(dim);
  for (int j = 0; j < dim4; ++j) {
    int q = 0;
    if (j<dim&& * scale> 0) {
      q = std::clamp(static_cast<int>(std::lrint(query[j] / *scale)), -63, 63);
    }
    out[j] = static_cast<int8_t>(q);
    sum += q;
  }
  *offset = 128 * sum;
}

void ScoreFloatPanels(const float* panels, int dim, int64_t p0, int64_t p1,
                      const float* const* queries, int nq, float* scores,
                      int64_t stride, const float* thresholds, uint8_t* masks,
                      int64_t mask_stride) {
  switch (nq) {
    case 1:
      return FloatRange<1, 8>(panels, dim, p0, p1, queries, scores, stride,
                              thresholds, masks, mask_stride);
    case 2:
      return FloatRange<2, 4>(panels, dim, p0, p1, queries, scores, stride,
                              thresholds, masks, mask_stride);
    case 3:
      return FloatRange<3, 3>(panels, dim, p0, p1, queries, scores, stride,
                              thresholds, masks, mask_stride);
    case 4:
      return FloatRange<4, 3>(panels, dim, p0, p1, queries, scores, stride,
                              thresholds, masks, mask_stride);
    default:
      std::abort();
  }
}

void ScoreInt8Panels(const uint8_t* panels, const float* scales, int dim,
                     int64_t p0, int64_t p1, const int8_t* const* queries,
                     const float* query_scales, const int32_t* query_offsets,
                     int nq, float* scores, int64_t stride, bool use_vnni,
                     const float* thresholds, uint8_t* masks,
                     int64_t mask_stride) {
  const int groups = Int8Dim(dim) / 4;
  if (use_vnni) {
    switch (nq) {
      case 1:
        return Int8RangeVnni<1, 4>(panels, scales, groups, p0, p1, queries,
                                   query_scales, query_offsets, scores, stride,
                                   thresholds, masks, mask_stride);
      case 2:
        return Int8RangeVnni<2, 4>(panels, scales, groups, p0, p1, queries,
                                   query_scales, query_offsets, scores, stride,
                                   thresholds, masks, mask_stride);
      case 3:
        return Int8RangeVnni<3, 3>(panels, scales, groups, p0, p1, queries,
                                   query_scales, query_offsets, scores, stride,
                                   thresholds, masks, mask_stride);
      case 4:
        return Int8RangeVnni<4, 3>(panels, scales, groups, p0, p1, queries,
                                   query_scales, query_offsets, scores, stride,
                                   thresholds, masks, mask_stride);
      default:
        std::abort();
    }
  }
  switch (nq) {
    case 1:
      return Int8Range<1, 4>(panels, scales, groups, p0, p1, queries,
                             query_scales, query_offsets, scores, stride,
                             thresholds, masks, mask_stride);
    case 2:
      return Int8Range<2, 4>(panels, scales, groups, p0, p1, queries,
                             query_scales, query_offsets, scores, stride,
                             thresholds, masks, mask_stride);
    case 3:
      return Int8Range<3, 2>(panels, scales, groups, p0, p1, queries,
                             query_scales, query_offsets, scores, stride,
                             thresholds, masks, mask_stride);
    case 4:
      return Int8Range<4, 2>(panels, scales, groups, p0, p1, queries,
                             query_scales, query_offsets, scores, stride,
                             thresholds, masks, mask_stride);
    default:
      std::abort();
  }
}

bool CpuHasAvxVnni() {
  // CPUID leaf 7 sub-leaf 1, EAX bit 4 (clang 14 has no
  // __builtin_cpu_supports("avxvnni")). The x86-64-v3 baseline already
  // requires the OS to save ymm state.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (eax >> 4) & 1;
}

float DotFloat(const float* a, const float* b, int dim) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int j = 0;
  for (; j + 16 <= dim; j += 16) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8),
                           _mm256_loadu_ps(b + j + 8), acc1);
  }
  for (; j + 8 <= dim; j += 8) {
    acc0 =
        _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), acc0);
  }
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 s =
      _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float sum = _mm_cvtss_f32(s);
  for (; j < dim; ++j) sum += a[j] * b[j];
  return sum;
}

}  // namespace tailor::ranker::internal
