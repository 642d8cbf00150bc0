// Times CsrFromTriples, ValidateCsr, Transpose and Coalesce on random
// triples: bazel run //core:csr_matrix_bench -- <nnz> [rows] [cols]
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "core/csr_matrix.h"

namespace {

// Process CPU seconds since `start` (the machine may be shared, so wall time
// says little).
double Seconds(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t nnz = argc > 1 ? std::atoll(argv[1]) : 10000000;
  const int64_t rows = argc > 2 ? std::atoll(argv[2]) : nnz / 50 + 1;
  const int64_t cols = argc > 3 ? std::atoll(argv[3]) : nnz / 200 + 1;
  std::mt19937_64 rng(1);
  std::vector<uint32_t> r(nnz), c(nnz);
  std::vector<float> v(nnz, 1.f);
  for (int64_t k = 0; k < nnz; ++k) {
    r[k] = static_cast<uint32_t>(rng() % rows);
    c[k] = static_cast<uint32_t>(rng() % cols);
  }
  std::printf("nnz=%lld rows=%lld cols=%lld (random order)\n",
              static_cast<long long>(nnz), static_cast<long long>(rows),
              static_cast<long long>(cols));
  auto t = std::clock();
  tailor::CsrMatrix m = tailor::CsrFromTriples(rows, cols, r, c, v,
                                               tailor::DuplicatePolicy::kSum);
  std::printf("CsrFromTriples: %.2f s CPU (%lld entries after merging)\n",
              Seconds(t), static_cast<long long>(m.nnz()));
  t = std::clock();
  const bool valid = tailor::ValidateCsr(m).ok();
  std::printf("ValidateCsr:    %.2f s CPU (%s)\n", Seconds(t),
              valid ? "ok" : "INVALID");
  t = std::clock();
  tailor::CsrMatrix tr = tailor::Transpose(m);
  std::printf("Transpose:      %.2f s CPU\n", Seconds(t));
  t = std::clock();
  tailor::Coalesce(tr, tailor::DuplicatePolicy::kSum);
  std::printf("Coalesce (already canonical): %.2f s CPU\n", Seconds(t));
  return valid ? 0 : 1;
}
