#include "trainer/als/row_kernels_avx512.h"

#include <immintrin.h>

#include <algorithm>

#include "trainer/als/row_kernels.h"

// Every function that uses AVX-512 carries this attribute; nothing else in
// the program is compiled for AVX-512.
#define TAILOR_AVX512 \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

namespace tailor {
namespace als_internal {
namespace {

// A row of `chunks` * 8 floats is ceil(chunks / 2) 512-bit vectors; when
// chunks is odd the last one is half (mask kHalf), so that no load or store
// crosses into the next row or past the end of a table.
constexpr __mmask16 kHalf = 0x00FF;
// Entries processed together by the dot kernel (one accumulator each).
constexpr int kDotRows = 8;
// Largest output tile of the axpy, in 512-bit vectors (256 floats).
constexpr int kMaxAxpyTile = 16;
// Largest Gram tile for one column, and the tile for four columns.
constexpr int kMaxGramTile1 = 8;
constexpr int kGramTile4 = 4;

template <bool kMasked>
TAILOR_AVX512 inline __m512 Load(const float* p) {
  if constexpr (kMasked) {
    return _mm512_maskz_loadu_ps(kHalf, p);
  } else {
    return _mm512_loadu_ps(p);
  }
}

template <bool kMasked>
TAILOR_AVX512 inline void Store(float* p, __m512 v) {
  if constexpr (kMasked) {
    _mm512_mask_storeu_ps(p, kHalf, v);
  } else {
    _mm512_storeu_ps(p, v);
  }
}

// 16 (or, masked, 8) fp16 values widened to float.
template <bool kMasked>
TAILOR_AVX512 inline __m512 Load(const uint16_t* p) {
  if constexpr (kMasked) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(kHalf, p));
  } else {
    return _mm512_cvtph_ps(
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
}

// Prefetches the cache lines of a row of `stride` elements of type T.
template <typename T>
inline void PrefetchRowOf(const T* row, int64_t stride) {
  constexpr int64_t kPerLine = 64 / sizeof(T);
  for (int64_t c = 0; c < stride; c += kPerLine) {
    _mm_prefetch(reinterpret_cast<const char*>(row + c), _MM_HINT_T0);
  }
}

// Sums of each of 8 vectors, in one 8-float vector.
TAILOR_AVX512 inline __m256 Sum8(const __m512* acc) {
  __m256 t[8];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    t[j] = _mm256_add_ps(_mm512_castps512_ps256(acc[j]),
                         _mm512_extractf32x8_ps(acc[j], 1));
  }
  const __m256 h0 =
      _mm256_hadd_ps(_mm256_hadd_ps(t[0], t[1]), _mm256_hadd_ps(t[2], t[3]));
  const __m256 h1 =
      _mm256_hadd_ps(_mm256_hadd_ps(t[4], t[5]), _mm256_hadd_ps(t[6], t[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20),
                       _mm256_permute2f128_ps(h0, h1, 0x31));
}

// q[i] (+)= <y[idx[i]][0, 16 kZ), v[0, 16 kZ)> with the last vector half
// when kTail. `y` and `v` point at the tile's first column.
template <int kZ, bool kTail, typename T>
TAILOR_AVX512 void DotsTile(const T* y, int64_t stride, const uint32_t* idx,
                            int64_t n, const float* v, float* q,
                            bool accumulate, bool prefetch, int row_chunks) {
  __m512 vz[kZ];
#pragma GCC unroll 16
  for (int z = 0; z < kZ; ++z) {
    vz[z] = (kTail && z == kZ - 1) ? Load<true>(v + 16 * z)
                                   : Load<false>(v + 16 * z);
  }
  int64_t i = 0;
  for (; i + kDotRows <= n; i += kDotRows) {
    if (prefetch && i + kPrefetchDistance + kDotRows <= n) {
      for (int j = 0; j < kDotRows; ++j) {
        PrefetchRowOf(y + idx[i + kPrefetchDistance + j] * stride,
                      8 * int64_t{row_chunks});
      }
    }
    const T* yr[kDotRows];
    __m512 acc[kDotRows];
#pragma GCC unroll 8
    for (int j = 0; j < kDotRows; ++j) {
      yr[j] = y + idx[i + j] * stride;
      acc[j] = _mm512_setzero_ps();
    }
#pragma GCC unroll 16
    for (int z = 0; z < kZ; ++z) {
#pragma GCC unroll 8
      for (int j = 0; j < kDotRows; ++j) {
        const __m512 yz = (kTail && z == kZ - 1) ? Load<true>(yr[j] + 16 * z)
                                                 : Load<false>(yr[j] + 16 * z);
        acc[j] = _mm512_fmadd_ps(yz, vz[z], acc[j]);
      }
    }
    __m256 sums = Sum8(acc);
    if (accumulate) sums = _mm256_add_ps(sums, _mm256_loadu_ps(q + i));
    _mm256_storeu_ps(q + i, sums);
  }
  for (; i < n; ++i) {
    const T* yi = y + idx[i] * stride;
    __m512 acc = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int z = 0; z < kZ; ++z) {
      const __m512 yz = (kTail && z == kZ - 1) ? Load<true>(yi + 16 * z)
                                               : Load<false>(yi + 16 * z);
      acc = _mm512_fmadd_ps(yz, vz[z], acc);
    }
    const float dot = HorizontalSum(_mm256_add_ps(
        _mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1)));
    q[i] = accumulate ? q[i] + dot : dot;
  }
}

// out[0, 16 kZ) += sum_i s[i] y[idx[i]][0, 16 kZ), the last vector half when
// kTail. Up to 8 vectors, even and odd entries go to separate accumulators
// so that enough FMAs are in flight.
template <int kZ, bool kTail, typename T>
TAILOR_AVX512 void AxpyTile(const T* y, int64_t stride, const uint32_t* idx,
                            int64_t n, const float* s, float* out) {
  constexpr bool kTwo = kZ <= 8;
  __m512 a[kZ], b[kZ];
#pragma GCC unroll 16
  for (int z = 0; z < kZ; ++z) {
    a[z] = (kTail && z == kZ - 1) ? Load<true>(out + 16 * z)
                                  : Load<false>(out + 16 * z);
    b[z] = _mm512_setzero_ps();
  }
  int64_t i = 0;
  if constexpr (kTwo) {
    for (; i + 2 <= n; i += 2) {
      const T* y0 = y + idx[i] * stride;
      const T* y1 = y + idx[i + 1] * stride;
      const __m512 s0 = _mm512_set1_ps(s[i]);
      const __m512 s1 = _mm512_set1_ps(s[i + 1]);
#pragma GCC unroll 16
      for (int z = 0; z < kZ; ++z) {
        const bool half = kTail && z == kZ - 1;
        a[z] = _mm512_fmadd_ps(
            half ? Load<true>(y0 + 16 * z) : Load<false>(y0 + 16 * z), s0,
            a[z]);
        b[z] = _mm512_fmadd_ps(
            half ? Load<true>(y1 + 16 * z) : Load<false>(y1 + 16 * z), s1,
            b[z]);
      }
    }
  }
  for (; i < n; ++i) {
    const T* yi = y + idx[i] * stride;
    const __m512 si = _mm512_set1_ps(s[i]);
#pragma GCC unroll 16
    for (int z = 0; z < kZ; ++z) {
      const bool half = kTail && z == kZ - 1;
      a[z] = _mm512_fmadd_ps(
          half ? Load<true>(yi + 16 * z) : Load<false>(yi + 16 * z), si, a[z]);
    }
  }
#pragma GCC unroll 16
  for (int z = 0; z < kZ; ++z) {
    const __m512 sum = kTwo ? _mm512_add_ps(a[z], b[z]) : a[z];
    if (kTail && z == kZ - 1) {
      Store<true>(out + 16 * z, sum);
    } else {
      Store<false>(out + 16 * z, sum);
    }
  }
}

// out[:, j][0, 16 kZ) = scale * (G p_j)[0, 16 kZ) for j < kCols; `g` points
// at the tile's first column of G's rows (G is symmetric).
template <int kZ, int kCols, bool kTail>
TAILOR_AVX512 void GramTile(const float* g, int64_t stride, int k,
                            const float* p, float* out, float scale) {
  __m512 acc[kZ][kCols];
#pragma GCC unroll 8
  for (int z = 0; z < kZ; ++z) {
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) acc[z][j] = _mm512_setzero_ps();
  }
  for (int c = 0; c < k; ++c) {
    const float* gc = g + c * stride;
    __m512 gv[kZ];
#pragma GCC unroll 8
    for (int z = 0; z < kZ; ++z) {
      gv[z] = (kTail && z == kZ - 1) ? Load<true>(gc + 16 * z)
                                     : Load<false>(gc + 16 * z);
    }
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) {
      const __m512 pj = _mm512_set1_ps(p[j * stride + c]);
#pragma GCC unroll 8
      for (int z = 0; z < kZ; ++z) {
        acc[z][j] = _mm512_fmadd_ps(gv[z], pj, acc[z][j]);
      }
    }
  }
  const __m512 sv = _mm512_set1_ps(scale);
#pragma GCC unroll 8
  for (int z = 0; z < kZ; ++z) {
#pragma GCC unroll 4
    for (int j = 0; j < kCols; ++j) {
      const __m512 r = _mm512_mul_ps(acc[z][j], sv);
      if (kTail && z == kZ - 1) {
        Store<true>(out + j * stride + 16 * z, r);
      } else {
        Store<false>(out + j * stride + 16 * z, r);
      }
    }
  }
}

// Calls Tile<t, tail> for a run-time tile size t in [1, kZ].
template <int kZ, typename T>
TAILOR_AVX512 void DotsDispatch(int t, bool tail, const T* y, int64_t stride,
                                const uint32_t* idx, int64_t n, const float* v,
                                float* q, bool accumulate, bool prefetch,
                                int row_chunks) {
  if constexpr (kZ > 0) {
    if (t == kZ) {
      if (tail) {
        DotsTile<kZ, true>(y, stride, idx, n, v, q, accumulate, prefetch,
                           row_chunks);
      } else {
        DotsTile<kZ, false>(y, stride, idx, n, v, q, accumulate, prefetch,
                            row_chunks);
      }
      return;
    }
    DotsDispatch<kZ - 1, T>(t, tail, y, stride, idx, n, v, q, accumulate,
                            prefetch, row_chunks);
  }
}

template <int kZ, typename T>
TAILOR_AVX512 void AxpyDispatch(int t, bool tail, const T* y, int64_t stride,
                                const uint32_t* idx, int64_t n, const float* s,
                                float* out) {
  if constexpr (kZ > 0) {
    if (t == kZ) {
      if (tail) {
        AxpyTile<kZ, true>(y, stride, idx, n, s, out);
      } else {
        AxpyTile<kZ, false>(y, stride, idx, n, s, out);
      }
      return;
    }
    AxpyDispatch<kZ - 1, T>(t, tail, y, stride, idx, n, s, out);
  }
}

template <int kZ, int kCols>
TAILOR_AVX512 void GramDispatch(int t, bool tail, const float* g,
                                int64_t stride, int k, const float* p,
                                float* out, float scale) {
  if constexpr (kZ > 0) {
    if (t == kZ) {
      if (tail) {
        GramTile<kZ, kCols, true>(g, stride, k, p, out, scale);
      } else {
        GramTile<kZ, kCols, false>(g, stride, k, p, out, scale);
      }
      return;
    }
    GramDispatch<kZ - 1, kCols>(t, tail, g, stride, k, p, out, scale);
  }
}

}  // namespace

bool CpuSupportsAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq");
}

template <typename T>
TAILOR_AVX512 void GatherDotsOf(const T* y, int64_t stride, const uint32_t* idx,
                                int64_t n, const float* v, int chunks, float* q,
                                bool prefetch) {
  const int nz = (chunks + 1) / 2;
  const bool odd = chunks % 2 != 0;
  // Rows wider than one tile are summed tile by tile.
  for (int z0 = 0; z0 < nz; z0 += kMaxAxpyTile) {
    const int t = std::min(kMaxAxpyTile, nz - z0);
    DotsDispatch<kMaxAxpyTile, T>(t, odd && z0 + t == nz, y + 16 * z0, stride,
                                  idx, n, v + 16 * z0, q, /*accumulate=*/z0 > 0,
                                  prefetch && z0 == 0, chunks);
  }
}

template <typename T>
TAILOR_AVX512 void GatherAxpyOf(const T* y, int64_t stride, const uint32_t* idx,
                                int64_t n, const float* s, int chunks,
                                float* out) {
  const int nz = (chunks + 1) / 2;
  const bool odd = chunks % 2 != 0;
  for (int z0 = 0; z0 < nz; z0 += kMaxAxpyTile) {
    const int t = std::min(kMaxAxpyTile, nz - z0);
    AxpyDispatch<kMaxAxpyTile, T>(t, odd && z0 + t == nz, y + 16 * z0, stride,
                                  idx, n, s, out + 16 * z0);
  }
}

TAILOR_AVX512 void GatherDotsAvx512(const float* y, int64_t stride,
                                    const uint32_t* idx, int64_t n,
                                    const float* v, int chunks, float* q,
                                    bool prefetch) {
  GatherDotsOf(y, stride, idx, n, v, chunks, q, prefetch);
}

TAILOR_AVX512 void GatherAxpyAvx512(const float* y, int64_t stride,
                                    const uint32_t* idx, int64_t n,
                                    const float* s, int chunks, float* out) {
  GatherAxpyOf(y, stride, idx, n, s, chunks, out);
}

TAILOR_AVX512 void GatherDotsHalfAvx512(const uint16_t* y, int64_t stride,
                                        const uint32_t* idx, int64_t n,
                                        const float* v, int chunks, float* q,
                                        bool prefetch) {
  GatherDotsOf(y, stride, idx, n, v, chunks, q, prefetch);
}

TAILOR_AVX512 void GatherAxpyHalfAvx512(const uint16_t* y, int64_t stride,
                                        const uint32_t* idx, int64_t n,
                                        const float* s, int chunks,
                                        float* out) {
  GatherAxpyOf(y, stride, idx, n, s, chunks, out);
}

TAILOR_AVX512 void GramProductAvx512(const float* g, int64_t stride, int k,
                                     int chunks, const float* p, int cols,
                                     float* out, float scale) {
  const int nz = (chunks + 1) / 2;
  const bool odd = chunks % 2 != 0;
  int j = 0;
  for (; j + 4 <= cols; j += 4) {
    for (int z0 = 0; z0 < nz; z0 += kGramTile4) {
      const int t = std::min(kGramTile4, nz - z0);
      GramDispatch<kGramTile4, 4>(t, odd && z0 + t == nz, g + 16 * z0, stride,
                                  k, p + j * stride, out + j * stride + 16 * z0,
                                  scale);
    }
  }
  for (; j < cols; ++j) {
    for (int z0 = 0; z0 < nz; z0 += kMaxGramTile1) {
      const int t = std::min(kMaxGramTile1, nz - z0);
      GramDispatch<kMaxGramTile1, 1>(t, odd && z0 + t == nz, g + 16 * z0,
                                     stride, k, p + j * stride,
                                     out + j * stride + 16 * z0, scale);
    }
  }
}

}  // namespace als_internal
}  // namespace tailor
