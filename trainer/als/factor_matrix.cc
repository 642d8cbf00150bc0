#include "trainer/als/factor_matrix.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "Eigen/Core"

namespace tailor {
namespace {

constexpr int64_t kGramBlockRows = 4096;

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in (0, 1].
double Uniform(uint64_t& state) {
  return (static_cast<double>(SplitMix64(state) >> 11) + 1.0) * 0x1.0p-53;
}

int ResolveThreads(int threads) {
  return threads > 0 ? threads : omp_get_max_threads();
}

using RowMajorMap = Eigen::Map<
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
    0, Eigen::OuterStride<>>;

}  // namespace

namespace als_internal {
void* AllocateAligned(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t align = bytes >= 2 * kHuge ? kHuge : 64;
  const size_t size = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, size == 0 ? align : size);
  if (p == nullptr) std::abort();
  if (align == kHuge) madvise(p, size, MADV_HUGEPAGE);  // best effort
  return p;
}
}  // namespace als_internal

void FactorMatrix::FillRandomNormal(uint64_t seed, float stddev, int threads) {
  const int64_t n = rows_;
#pragma omp parallel for schedule(static) num_threads(ResolveThreads(threads))
  for (int64_t r = 0; r < n; ++r) {
    uint64_t state = seed ^ (0x5851f42d4c957f2dULL * (uint64_t(r) + 1));
    SplitMix64(state);
    float* out = row(r);
    for (int c = 0; c < cols_; c += 2) {
      // Box-Muller: two normals per pair of uniforms.
      const double u1 = Uniform(state), u2 = Uniform(state);
      const double radius = std::sqrt(-2.0 * std::log(u1)) * stddev;
      out[c] = static_cast<float>(radius * std::cos(2 * M_PI * u2));
      if (c + 1 < cols_) {
        out[c + 1] = static_cast<float>(radius * std::sin(2 * M_PI * u2));
      }
    }
  }
}

bool FactorMatrix::AllFinite(int64_t* bad_row) const {
  for (int64_t r = 0; r < rows_; ++r) {
    const float* v = row(r);
    float sum = 0.0f;
    for (int c = 0; c < cols_; ++c) sum += v[c] * 0.0f;  // NaN if any is
    if (!(sum == 0.0f)) {
      if (bad_row != nullptr) *bad_row = r;
      return false;
    }
  }
  return true;
}

FactorMatrix FactorMatrix::FromDense(int64_t rows, int cols,
                                     const float* values) {
  FactorMatrix m(rows, cols);
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(m.row(r), values + r * cols, sizeof(float) * cols);
  }
  return m;
}

FactorMatrix ComputeGram(const FactorMatrix& f, int64_t begin, int64_t end,
                         int threads) {
  const int k = f.cols();
  FactorMatrix gram(k, k);
  if (end <= begin || k == 0) return gram;
  const int64_t blocks = (end - begin + kGramBlockRows - 1) / kGramBlockRows;
  std::vector<Eigen::MatrixXf> partial(blocks);
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(ResolveThreads(threads))
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = begin + b * kGramBlockRows;
    const int64_t hi = std::min(end, lo + kGramBlockRows);
    RowMajorMap rows(f.row(lo), hi - lo, k, Eigen::OuterStride<>(f.stride()));
    partial[b].setZero(k, k);
    partial[b].selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
  }
  for (int64_t b = 1; b < blocks; ++b) partial[0] += partial[b];
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j <= i; ++j) {
      gram.at(i, j) = partial[0](i, j);
      gram.at(j, i) = partial[0](i, j);
    }
  }
  return gram;
}

void AddGram(const FactorMatrix& part, FactorMatrix& sum) {
  const int64_t n = part.rows() * part.stride();
  for (int64_t i = 0; i < n; ++i) sum.data()[i] += part.data()[i];
}

}  // namespace tailor
