#ifndef TAILOR_TRAINER_ALS_ROW_KERNELS_AVX512_H_
#define TAILOR_TRAINER_ALS_ROW_KERNELS_AVX512_H_

// AVX-512 versions of the sparse-row and Gram kernels of row_kernels.h, same
// arguments and results (up to float rounding). The build baseline is
// x86-64-v3 (AVX2), so these are compiled for AVX-512 function by function
// and may only be called when CpuSupportsAvx512() is true; row_solver.cc
// chooses at run time. Internal to //trainer/als. Stateless and
// thread-compatible.

#include <cstdint>

namespace tailor {
namespace als_internal {

// AVX-512 F, BW, VL and DQ usable (CPU and operating system).
bool CpuSupportsAvx512();

// q[i] = <y[idx[i]], v>; see GatherDots in row_kernels.h.
void GatherDotsAvx512(const float* y, int64_t stride, const uint32_t* idx,
                      int64_t n, const float* v, int chunks, float* q,
                      bool prefetch);

// out += sum_i s[i] * y[idx[i]]; see GatherAxpy in row_kernels.h. Output
// tiles of up to 256 floats stay in registers, so at k <= 256 the entries
// are walked once.
void GatherAxpyAvx512(const float* y, int64_t stride, const uint32_t* idx,
                      int64_t n, const float* s, int chunks, float* out);

// The same two products over an fp16 copy of the table (IEEE binary16, same
// stride, converted with F16C rounding to nearest): half the bytes per
// gathered row.
void GatherDotsHalfAvx512(const uint16_t* y, int64_t stride,
                          const uint32_t* idx, int64_t n, const float* v,
                          int chunks, float* q, bool prefetch);
void GatherAxpyHalfAvx512(const uint16_t* y, int64_t stride,
                          const uint32_t* idx, int64_t n, const float* s,
                          int chunks, float* out);

// out[:, j] = scale * G * p[:, j]; see GramProduct in row_kernels.h.
void GramProductAvx512(const float* g, int64_t stride, int k, int chunks,
                       const float* p, int cols, float* out, float scale);

}  // namespace als_internal
}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_ROW_KERNELS_AVX512_H_
