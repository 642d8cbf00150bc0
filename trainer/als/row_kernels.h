#ifndef TAILOR_TRAINER_ALS_ROW_KERNELS_H_
#define TAILOR_TRAINER_ALS_ROW_KERNELS_H_

// AVX2+FMA kernels over the nonzeros of one sparse row against a padded
// FactorMatrix (rows of `stride` floats, a multiple of 8, zero padded), and
// small dense vector helpers. Internal to //trainer/als. Vectors are
// `chunks` * 8 floats long. Stateless and thread-compatible.

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace tailor {
namespace als_internal {

// Rows this many entries ahead are prefetched while computing dots.
constexpr int kPrefetchDistance = 8;

inline void PrefetchRow(const float* row, int chunks) {
  for (int c = 0; c < chunks; c += 2) {
    _mm_prefetch(reinterpret_cast<const char*>(row + 8 * c), _MM_HINT_T0);
  }
}

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float Dot(const float* a, const float* b, int chunks) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int c = 0;
  for (; c + 2 <= chunks; c += 2) {
    s0 = _mm256_fmadd_ps(_mm256_load_ps(a + 8 * c), _mm256_load_ps(b + 8 * c),
                         s0);
    s1 = _mm256_fmadd_ps(_mm256_load_ps(a + 8 * c + 8),
                         _mm256_load_ps(b + 8 * c + 8), s1);
  }
  if (c < chunks) {
    s0 = _mm256_fmadd_ps(_mm256_load_ps(a + 8 * c), _mm256_load_ps(b + 8 * c),
                         s0);
  }
  return HorizontalSum(_mm256_add_ps(s0, s1));
}

// q[i] = <y[idx[i]], v> for i < n. With `prefetch`, rows ahead are
// prefetched (for the first pass over a row's entries; later passes find
// them in cache).
inline void GatherDots(const float* y, int64_t stride, const uint32_t* idx,
                       int64_t n, const float* v, int chunks, float* q,
                       bool prefetch) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    if (prefetch && i + kPrefetchDistance + 4 <= n) {
      for (int j = 0; j < 4; ++j) {
        PrefetchRow(y + idx[i + kPrefetchDistance + j] * stride, chunks);
      }
    }
    const float* y0 = y + idx[i] * stride;
    const float* y1 = y + idx[i + 1] * stride;
    const float* y2 = y + idx[i + 2] * stride;
    const float* y3 = y + idx[i + 3] * stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int c = 0;
    for (; c + 2 <= chunks; c += 2) {
      const __m256 v0 = _mm256_load_ps(v + 8 * c);
      const __m256 v1 = _mm256_load_ps(v + 8 * c + 8);
      a0 = _mm256_fmadd_ps(_mm256_load_ps(y0 + 8 * c), v0, a0);
      a1 = _mm256_fmadd_ps(_mm256_load_ps(y1 + 8 * c), v0, a1);
      a2 = _mm256_fmadd_ps(_mm256_load_ps(y2 + 8 * c), v0, a2);
      a3 = _mm256_fmadd_ps(_mm256_load_ps(y3 + 8 * c), v0, a3);
      b0 = _mm256_fmadd_ps(_mm256_load_ps(y0 + 8 * c + 8), v1, b0);
      b1 = _mm256_fmadd_ps(_mm256_load_ps(y1 + 8 * c + 8), v1, b1);
      b2 = _mm256_fmadd_ps(_mm256_load_ps(y2 + 8 * c + 8), v1, b2);
      b3 = _mm256_fmadd_ps(_mm256_load_ps(y3 + 8 * c + 8), v1, b3);
    }
    if (c < chunks) {
      const __m256 v0 = _mm256_load_ps(v + 8 * c);
      a0 = _mm256_fmadd_ps(_mm256_load_ps(y0 + 8 * c), v0, a0);
      a1 = _mm256_fmadd_ps(_mm256_load_ps(y1 + 8 * c), v0, a1);
      a2 = _mm256_fmadd_ps(_mm256_load_ps(y2 + 8 * c), v0, a2);
      a3 = _mm256_fmadd_ps(_mm256_load_ps(y3 + 8 * c), v0, a3);
    }
    a0 = _mm256_add_ps(a0, b0);
    a1 = _mm256_add_ps(a1, b1);
    a2 = _mm256_add_ps(a2, b2);
    a3 = _mm256_add_ps(a3, b3);
    // [a0, a1, a2, a3] lane sums in one vector.
    const __m256 h =
        _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    _mm_storeu_ps(q + i, _mm_add_ps(_mm256_castps256_ps128(h),
                                    _mm256_extractf128_ps(h, 1)));
  }
  for (; i < n; ++i) q[i] = Dot(y + idx[i] * stride, v, chunks);
}

template <int kChunks>
inline void AxpyTile(const float* y, int64_t stride, const uint32_t* idx,
                     int64_t n, const float* s, float* out) {
  __m256 acc[kChunks];
#pragma GCC unroll 8
  for (int c = 0; c < kChunks; ++c) acc[c] = _mm256_load_ps(out + 8 * c);
  for (int64_t i = 0; i < n; ++i) {
    const float* yi = y + idx[i] * stride;
    const __m256 si = _mm256_broadcast_ss(s + i);
#pragma GCC unroll 8
    for (int c = 0; c < kChunks; ++c) {
      acc[c] = _mm256_fmadd_ps(_mm256_load_ps(yi + 8 * c), si, acc[c]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < kChunks; ++c) _mm256_store_ps(out + 8 * c, acc[c]);
}

// out += sum_i s[i] * y[idx[i]], in tiles of 64 floats kept in registers.
inline void GatherAxpy(const float* y, int64_t stride, const uint32_t* idx,
                       int64_t n, const float* s, int chunks, float* out) {
  for (int off = 0; off < chunks; off += 8) {
    const float* yt = y + 8 * off;
    float* o = out + 8 * off;
    switch (std::min(8, chunks - off)) {
      case 8:
        AxpyTile<8>(yt, stride, idx, n, s, o);
        break;
      case 7:
        AxpyTile<7>(yt, stride, idx, n, s, o);
        break;
      case 6:
        AxpyTile<6>(yt, stride, idx, n, s, o);
        break;
      case 5:
        AxpyTile<5>(yt, stride, idx, n, s, o);
        break;
      case 4:
        AxpyTile<4>(yt, stride, idx, n, s, o);
        break;
      case 3:
        AxpyTile<3>(yt, stride, idx, n, s, o);
        break;
      case 2:
        AxpyTile<2>(yt, stride, idx, n, s, o);
        break;
      default:
        AxpyTile<1>(yt, stride, idx, n, s, o);
        break;
    }
  }
}

// out[:, j] = scale * G * p[:, j] for a symmetric k x k G (rows of `stride`
// floats; symmetric, so its row c is its column c) and column vectors p[:, j]
// of `stride` floats. Register tiles of kChunks x kCols outputs; no packing,
// so a call costs only its FMAs even for one column.
template <int kChunks, int kCols>
inline void GramTile(const float* g, int64_t stride, int k, const float* p,
                     float* out, float scale) {
  __m256 acc[kChunks][kCols];
#pragma GCC unroll 8
  for (int m = 0; m < kChunks; ++m) {
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) acc[m][j] = _mm256_setzero_ps();
  }
  for (int c = 0; c < k; ++c) {
    const float* gc = g + c * stride;
    __m256 gv[kChunks];
#pragma GCC unroll 8
    for (int m = 0; m < kChunks; ++m) gv[m] = _mm256_load_ps(gc + 8 * m);
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) {
      const __m256 pj = _mm256_broadcast_ss(p + j * stride + c);
#pragma GCC unroll 8
      for (int m = 0; m < kChunks; ++m) {
        acc[m][j] = _mm256_fmadd_ps(gv[m], pj, acc[m][j]);
      }
    }
  }
  const __m256 sv = _mm256_set1_ps(scale);
#pragma GCC unroll 8
  for (int m = 0; m < kChunks; ++m) {
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) {
      _mm256_store_ps(out + j * stride + 8 * m, _mm256_mul_ps(acc[m][j], sv));
    }
  }
}

inline void GramProduct(const float* g, int64_t stride, int k, int chunks,
                        const float* p, int cols, float* out, float scale) {
  int j = 0;
  for (; j + 4 <= cols; j += 4) {
    const float* pj = p + j * stride;
    float* oj = out + j * stride;
    int m = 0;
    for (; m + 3 <= chunks; m += 3) {
      GramTile<3, 4>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
    }
    if (chunks - m == 2)
      GramTile<2, 4>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
    if (chunks - m == 1)
      GramTile<1, 4>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
  }
  for (; j < cols; ++j) {
    const float* pj = p + j * stride;
    float* oj = out + j * stride;
    int m = 0;
    for (; m + 8 <= chunks; m += 8) {
      GramTile<8, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
    }
    switch (chunks - m) {
      case 7:
        GramTile<7, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 6:
        GramTile<6, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 5:
        GramTile<5, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 4:
        GramTile<4, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 3:
        GramTile<3, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 2:
        GramTile<2, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      case 1:
        GramTile<1, 1>(g + 8 * m, stride, k, pj, oj + 8 * m, scale);
        break;
      default:
        break;
    }
  }
}

}  // namespace als_internal
}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_ROW_KERNELS_H_
