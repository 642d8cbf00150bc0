#ifndef TAILOR_CORE_CSR_MATRIX_H_
#define TAILOR_CORE_CSR_MATRIX_H_

// An in-memory sparse matrix in compressed sparse row form: the layout every
// trainer kernel reads. Rows are users (user-major) or items (item-major);
// row r's entries are indices[indptr[r] .. indptr[r+1]) with their values.
// Within a row, column indices are sorted ascending and unique unless the
// producer says otherwise (see Coalesce). A plain value type; not
// synchronized.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace tailor {

struct CsrMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int64_t> indptr = {0};  // rows + 1 entries, indptr[0] == 0
  std::vector<uint32_t> indices;      // column of each entry
  std::vector<float> data;            // value of each entry

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  int64_t RowSize(int64_t r) const { return indptr[r + 1] - indptr[r]; }
};

// Checks the invariants above (sizes, monotone indptr, columns in range,
// sorted unique columns per row, finite values). The message names the first
// violation. INVALID_ARGUMENT when one is violated.
absl::Status ValidateCsr(const CsrMatrix& m);
// As above; with `allow_duplicate_columns` a row's columns need only be
// non-decreasing (event logs keep repeated (user, item) events).
absl::Status ValidateCsr(const CsrMatrix& m, bool allow_duplicate_columns);

// The transpose (item-major from user-major and back); rows of the result
// are sorted by column, and entries with equal (row, column) keep their input
// order (a stable counting sort, O(nnz + rows + cols)). The input's rows need
// not be sorted. Aborts if m.rows exceeds 2^32 (a programmer error).
CsrMatrix Transpose(const CsrMatrix& m);

// How duplicate (row, column) entries are merged.
enum class DuplicatePolicy { kSum, kLast, kMax };

// Sorts each row by column and merges duplicate columns by `policy` (kLast
// keeps the entry that came last in the input order).
void Coalesce(CsrMatrix& m, DuplicatePolicy policy);

// Builds a matrix from coordinate triples; duplicates are merged by `policy`
// (kLast: the later triple wins). The vectors must have equal sizes and hold
// indices within [0, rows) x [0, cols); anything else aborts (a programmer
// error: callers map external ids to dense indices first).
CsrMatrix CsrFromTriples(int64_t rows, int64_t cols,
                         const std::vector<uint32_t>& row_index,
                         const std::vector<uint32_t>& col_index,
                         const std::vector<float>& values,
                         DuplicatePolicy policy);

}  // namespace tailor

#endif  // TAILOR_CORE_CSR_MATRIX_H_
