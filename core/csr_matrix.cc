#include "core/csr_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

// Programmer errors only (this Abseil has no CHECK).
void CheckOrDie(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "csr_matrix: %s\n", what);
    std::abort();
  }
}

// 0: some row has a descending pair; 1: rows non-decreasing with a repeated
// column; 2: rows strictly increasing.
int RowOrder(const CsrMatrix& m) {
  int order = 2;
  for (int64_t r = 0; r < m.rows; ++r) {
    const uint32_t* c = m.indices.data();
    for (int64_t k = m.indptr[r] + 1; k < m.indptr[r + 1]; ++k) {
      if (c[k] < c[k - 1]) return 0;
      if (c[k] == c[k - 1]) order = 1;
    }
  }
  return order;
}

// Merges runs of equal columns inside each (sorted) row, in place.
void MergeSortedDuplicates(CsrMatrix& m, DuplicatePolicy policy) {
  uint32_t* idx = m.indices.data();
  float* val = m.data.data();
  int64_t w = 0;
  int64_t row_start = 0;
  for (int64_t r = 0; r < m.rows; ++r) {
    const int64_t begin = row_start;
    const int64_t end = m.indptr[r + 1];
    row_start = end;
    const int64_t row_w = w;
    for (int64_t k = begin; k < end; ++k) {
      if (w > row_w && idx[w - 1] == idx[k]) {
        switch (policy) {
          case DuplicatePolicy::kSum:
            val[w - 1] += val[k];
            break;
          case DuplicatePolicy::kLast:
            val[w - 1] = val[k];
            break;
          case DuplicatePolicy::kMax:
            val[w - 1] = std::max(val[w - 1], val[k]);
            break;
        }
      } else {
        idx[w] = idx[k];
        val[w] = val[k];
        ++w;
      }
    }
    m.indptr[r + 1] = w;
  }
  m.indices.resize(w);
  m.data.resize(w);
}

// Stably groups a sequence of entries by key: `for_each(emit)` must call
// emit(key, a, b) once per entry, in input order; entry i of key k goes to
// out_a/out_b[indptr[k] + (number of earlier entries with key k)]. `indptr`
// holds num_keys + 1 prefix sums of the key counts.
//
// With many keys a direct scatter writes to as many places at once and
// misses cache and TLB on nearly every entry, so it runs in two stable
// passes: first into blocks of adjacent keys (few write streams), then
// within each block, whose output range is small enough to stay in cache.
template <typename ForEach>
void StableGroup(const std::vector<int64_t>& indptr, ForEach for_each,
                 uint32_t* out_a, float* out_b) {
  constexpr int64_t kDirectMaxKeys = int64_t{1} << 12;
  constexpr int kBlockBits = 8;  // at most 256 blocks
  const int64_t num_keys = static_cast<int64_t>(indptr.size()) - 1;
  const int64_t n = indptr.back();
  if (num_keys <= kDirectMaxKeys || n < (int64_t{1} << 18)) {
    std::vector<int64_t> next(indptr.begin(), indptr.end() - 1);
    for_each([&](uint32_t key, uint32_t a, float b) {
      const int64_t p = next[key]++;
      out_a[p] = a;
      out_b[p] = b;
    });
    return;
  }
  int key_bits = 0;
  while ((int64_t{1} << key_bits) < num_keys) ++key_bits;
  const int shift = key_bits > kBlockBits ? key_bits - kBlockBits : 0;
  const int64_t num_blocks = ((num_keys - 1) >> shift) + 1;
  // Block b covers keys [b << shift, (b + 1) << shift) and output range
  // [indptr[b << shift], indptr[min((b + 1) << shift, num_keys)]).
  auto block_begin = [&](int64_t b) {
    return indptr[std::min(b << shift, num_keys)];
  };
  std::vector<int64_t> next(num_blocks);
  for (int64_t b = 0; b < num_blocks; ++b) next[b] = block_begin(b);
  std::vector<uint32_t> keys(n);
  for_each([&](uint32_t key, uint32_t a, float b) {
    const int64_t p = next[key >> shift]++;
    out_a[p] = a;
    out_b[p] = b;
    keys[p] = key;
  });
  std::vector<uint32_t> scratch_a;
  std::vector<float> scratch_b;
  std::vector<int64_t> key_next(int64_t{1} << shift);
  for (int64_t b = 0; b < num_blocks; ++b) {
    const int64_t begin = block_begin(b);
    const int64_t end = block_begin(b + 1);
    const int64_t first_key = b << shift;
    const int64_t last_key = std::min((b + 1) << shift, num_keys);
    scratch_a.assign(out_a + begin, out_a + end);
    scratch_b.assign(out_b + begin, out_b + end);
    for (int64_t k = first_key; k < last_key; ++k) {
      key_next[k - first_key] = indptr[k];
    }
    for (int64_t i = begin; i < end; ++i) {
      const int64_t p = key_next[keys[i] - first_key]++;
      out_a[p] = scratch_a[i - begin];
      out_b[p] = scratch_b[i - begin];
    }
  }
}

// A matrix whose row r holds, in input order, the triples with first[k] == r
// (column second[k], value values[k]). One stable counting pass.
CsrMatrix GroupByFirst(int64_t rows, int64_t cols,
                       const std::vector<uint32_t>& first,
                       const std::vector<uint32_t>& second,
                       const std::vector<float>& values) {
  const size_t nnz = first.size();
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(rows + 1, 0);
  for (size_t k = 0; k < nnz; ++k) ++m.indptr[first[k] + 1];
  for (int64_t r = 0; r < rows; ++r) m.indptr[r + 1] += m.indptr[r];
  m.indices.resize(nnz);
  m.data.resize(nnz);
  StableGroup(
      m.indptr,
      [&](auto emit) {
        for (size_t k = 0; k < nnz; ++k) emit(first[k], second[k], values[k]);
      },
      m.indices.data(), m.data.data());
  return m;
}

}  // namespace

absl::Status ValidateCsr(const CsrMatrix& m) { return ValidateCsr(m, false); }

absl::Status ValidateCsr(const CsrMatrix& m, bool allow_duplicate_columns) {
  if (m.rows < 0 || m.cols < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("csr: negative shape rows=", m.rows, " cols=", m.cols));
  }
  if (m.cols > (int64_t{1} << 32)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "csr: cols=", m.cols, " exceeds the uint32 column index range"));
  }
  if (static_cast<int64_t>(m.indptr.size()) != m.rows + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("csr: indptr has ", m.indptr.size(),
                     " entries, expected rows + 1 = ", m.rows + 1));
  }
  if (m.indptr[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("csr: indptr[0] = ", m.indptr[0], ", expected 0"));
  }
  if (m.data.size() != m.indices.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "csr: ", m.indices.size(), " indices but ", m.data.size(), " values"));
  }
  for (int64_t r = 0; r < m.rows; ++r) {
    if (m.indptr[r + 1] < m.indptr[r]) {
      return absl::InvalidArgumentError(
          absl::StrCat("csr: indptr decreases at row ", r, " (", m.indptr[r],
                       " > ", m.indptr[r + 1], ")"));
    }
  }
  if (m.indptr[m.rows] != m.nnz()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "csr: indptr[rows] = ", m.indptr[m.rows], " but nnz = ", m.nnz()));
  }
  const uint32_t* idx = m.indices.data();
  for (int64_t r = 0; r < m.rows; ++r) {
    const int64_t begin = m.indptr[r];
    const int64_t end = m.indptr[r + 1];
    for (int64_t k = begin; k < end; ++k) {
      if (idx[k] >= m.cols) {
        return absl::InvalidArgumentError(
            absl::StrCat("csr: row ", r, " entry ", k, " has column ", idx[k],
                         " >= cols = ", m.cols));
      }
      if (k > begin && (idx[k] < idx[k - 1] ||
                        (idx[k] == idx[k - 1] && !allow_duplicate_columns))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "csr: row ", r, " columns not ",
            allow_duplicate_columns ? "non-decreasing" : "strictly increasing",
            " at entry ", k, " (", idx[k - 1], " then ", idx[k], ")"));
      }
    }
  }
  for (int64_t k = 0; k < m.nnz(); ++k) {
    if (!std::isfinite(m.data[k])) {
      const int64_t row =
          std::upper_bound(m.indptr.begin(), m.indptr.end(), k) -
          m.indptr.begin() - 1;
      return absl::InvalidArgumentError(absl::StrCat(
          "csr: non-finite value ", m.data[k], " at row ", row, " entry ", k));
    }
  }
  return absl::OkStatus();
}

CsrMatrix Transpose(const CsrMatrix& m) {
  CheckOrDie(m.rows <= (int64_t{1} << 32), "Transpose: rows exceed 2^32");
  CsrMatrix t;
  t.rows = m.cols;
  t.cols = m.rows;
  const int64_t nnz = m.nnz();
  t.indptr.assign(t.rows + 1, 0);
  const uint32_t* idx = m.indices.data();
  for (int64_t k = 0; k < nnz; ++k) ++t.indptr[idx[k] + 1];
  for (int64_t c = 0; c < t.rows; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(nnz);
  t.data.resize(nnz);
  const float* val = m.data.data();
  StableGroup(
      t.indptr,
      [&](auto emit) {
        for (int64_t r = 0; r < m.rows; ++r) {
          for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
            emit(idx[k], static_cast<uint32_t>(r), val[k]);
          }
        }
      },
      t.indices.data(), t.data.data());
  return t;
}

void Coalesce(CsrMatrix& m, DuplicatePolicy policy) {
  const int order = RowOrder(m);
  if (order == 2) return;
  if (order == 0) {
    // Two stable counting sorts order each row by column while keeping
    // equal (row, column) entries in input order, which kLast relies on.
    CsrMatrix t = Transpose(m);
    m = CsrMatrix();  // free before the second copy is built
    m = Transpose(t);
  }
  MergeSortedDuplicates(m, policy);
}

CsrMatrix CsrFromTriples(int64_t rows, int64_t cols,
                         const std::vector<uint32_t>& row_index,
                         const std::vector<uint32_t>& col_index,
                         const std::vector<float>& values,
                         DuplicatePolicy policy) {
  CheckOrDie(
      row_index.size() == col_index.size() && row_index.size() == values.size(),
      "CsrFromTriples: row, column and value counts differ");
  CheckOrDie(rows >= 0 && cols >= 0 && rows <= (int64_t{1} << 32) &&
                 cols <= (int64_t{1} << 32),
             "CsrFromTriples: bad shape");
  const size_t nnz = row_index.size();
  bool rows_sorted = true;
  for (size_t k = 0; k < nnz; ++k) {
    CheckOrDie(row_index[k] < rows && col_index[k] < cols,
               "CsrFromTriples: index out of range");
    if (k > 0 && row_index[k] < row_index[k - 1]) rows_sorted = false;
  }
  if (rows_sorted) {
    // Common case (input grouped by row): one sequential pass, then sort
    // within rows only if needed.
    CsrMatrix m = GroupByFirst(rows, cols, row_index, col_index, values);
    Coalesce(m, policy);
    return m;
  }
  // Least-significant-digit radix sort in two stable counting passes:
  // group by column, then transpose (which groups by row, keeping columns
  // ascending and equal (row, column) triples in input order).
  CsrMatrix m =
      Transpose(GroupByFirst(cols, rows, col_index, row_index, values));
  MergeSortedDuplicates(m, policy);
  return m;
}

}  // namespace tailor
