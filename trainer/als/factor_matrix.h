#ifndef TAILOR_TRAINER_ALS_FACTOR_MATRIX_H_
#define TAILOR_TRAINER_ALS_FACTOR_MATRIX_H_

// A dense row-major float matrix for factor tables and Gram matrices. Each
// row holds `cols` values followed by zero padding up to `stride`, the next
// multiple of 8 floats, so every row starts on a 32-byte boundary and SIMD
// kernels run over whole 8-float chunks. Padding is always zero; Row() hides
// it. A plain value type (copyable, movable); not synchronized.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/types/span.h"

namespace tailor {
namespace als_internal {
// 64-byte aligned; blocks of 4 MiB and more are 2 MiB aligned and advised
// to use transparent huge pages (random row gathers otherwise miss the TLB
// on nearly every row). Never returns null (aborts like operator new).
void* AllocateAligned(size_t bytes);

template <typename T>
struct AlignedAllocator {  // 64-byte aligned storage for std::vector
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(AllocateAligned(n * sizeof(T)));
  }
  void deallocate(T* p, size_t) { std::free(p); }
  bool operator==(const AlignedAllocator&) const { return true; }
  bool operator!=(const AlignedAllocator&) const { return false; }
};
}  // namespace als_internal

class FactorMatrix {
 public:
  static int64_t PaddedCols(int cols) { return (cols + 7) / 8 * 8; }

  FactorMatrix() = default;
  // A rows x cols matrix of zeros.
  FactorMatrix(int64_t rows, int cols)
      : rows_(rows),
        cols_(cols),
        stride_(PaddedCols(cols)),
        data_(static_cast<size_t>(rows * PaddedCols(cols)), 0.0f) {}

  int64_t rows() const { return rows_; }
  int cols() const { return cols_; }
  int64_t stride() const { return stride_; }  // floats between row starts
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float* row(int64_t r) { return data_.data() + r * stride_; }
  const float* row(int64_t r) const { return data_.data() + r * stride_; }
  absl::Span<float> Row(int64_t r) { return {row(r), size_t(cols_)}; }
  absl::Span<const float> Row(int64_t r) const {
    return {row(r), size_t(cols_)};
  }
  float& at(int64_t r, int c) { return data_[r * stride_ + c]; }
  float at(int64_t r, int c) const { return data_[r * stride_ + c]; }

  void SetZero() { std::fill(data_.begin(), data_.end(), 0.0f); }
  // Fills every entry with N(0, stddev^2) draws. Row r's values depend only
  // on (seed, r), never on `threads`.
  void FillRandomNormal(uint64_t seed, float stddev, int threads);
  // True when every entry is finite; otherwise *bad_row is the first row
  // holding a NaN or infinity.
  bool AllFinite(int64_t* bad_row) const;
  // Copies rows x cols from a dense row-major buffer with `cols` per row.
  static FactorMatrix FromDense(int64_t rows, int cols, const float* values);

 private:
  int64_t rows_ = 0;
  int cols_ = 0;
  int64_t stride_ = 0;
  std::vector<float, als_internal::AlignedAllocator<float>> data_;
};

// The Gram matrix F^T F (cols x cols, both triangles filled) of rows
// [begin, end) of `f`, summed in fixed-size blocks in a fixed order so the
// result is bitwise the same for every thread count. `threads` <= 0 means
// all OpenMP threads. Gram matrices of disjoint row ranges add up (see
// AddGram), which is how partial Grams from several shards are combined.
FactorMatrix ComputeGram(const FactorMatrix& f, int64_t begin, int64_t end,
                         int threads);
inline FactorMatrix ComputeGram(const FactorMatrix& f, int threads) {
  return ComputeGram(f, 0, f.rows(), threads);
}
// sum += part (same shape).
void AddGram(const FactorMatrix& part, FactorMatrix& sum);

}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_FACTOR_MATRIX_H_
