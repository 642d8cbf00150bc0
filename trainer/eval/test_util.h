#ifndef TAILOR_TRAINER_EVAL_TEST_UTIL_H_
#define TAILOR_TRAINER_EVAL_TEST_UTIL_H_

// Builders of small hand-made matrices for tests (testonly).

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "core/csr_matrix.h"

namespace tailor {
namespace testing {

struct Entry {
  uint32_t row;
  uint32_t col;
  float value;
  int64_t time = 0;
};

// A CSR matrix of the given entries (sorted by row, then column; no
// duplicates expected). Timestamps, parallel to the result's entries, go to
// `timestamps` when it is not null.
inline CsrMatrix MakeCsr(int64_t rows, int64_t cols, std::vector<Entry> entries,
                         std::vector<int64_t>* timestamps = nullptr) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.row, a.col) < std::tie(b.row, b.col);
  });
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(rows + 1, 0);
  if (timestamps != nullptr) timestamps->clear();
  for (const Entry& e : entries) {
    ++m.indptr[e.row + 1];
    m.indices.push_back(e.col);
    m.data.push_back(e.value);
    if (timestamps != nullptr) timestamps->push_back(e.time);
  }
  for (int64_t r = 0; r < rows; ++r) m.indptr[r + 1] += m.indptr[r];
  return m;
}

// Row r's columns.
inline std::vector<uint32_t> RowColumns(const CsrMatrix& m, int64_t r) {
  return std::vector<uint32_t>(m.indices.begin() + m.indptr[r],
                               m.indices.begin() + m.indptr[r + 1]);
}

}  // namespace testing
}  // namespace tailor

#endif  // TAILOR_TRAINER_EVAL_TEST_UTIL_H_
