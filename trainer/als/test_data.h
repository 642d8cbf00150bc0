#ifndef TAILOR_TRAINER_ALS_TEST_DATA_H_
#define TAILOR_TRAINER_ALS_TEST_DATA_H_

// Small random sparse matrices with fixed seeds for the ALS tests.

#include <cstdint>
#include <random>
#include <vector>

#include "core/csr_matrix.h"

namespace tailor {
namespace als_testing {

// rows x cols with each entry present with probability `density`, values
// uniform integers in [1, max_value]; rows listed in `empty_rows` are left
// without entries.
inline CsrMatrix RandomCsr(int64_t rows, int64_t cols, double density,
                           int max_value, uint32_t seed,
                           const std::vector<int64_t>& empty_rows = {}) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::uniform_int_distribution<int> value(1, max_value);
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    bool empty = false;
    for (int64_t e : empty_rows) empty = empty || e == r;
    for (int64_t c = 0; c < cols; ++c) {
      if (!empty && coin(rng) < density) {
        m.indices.push_back(static_cast<uint32_t>(c));
        m.data.push_back(static_cast<float>(value(rng)));
      }
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
  }
  return m;
}

}  // namespace als_testing
}  // namespace tailor

#endif  // TAILOR_TRAINER_ALS_TEST_DATA_H_
