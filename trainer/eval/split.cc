#include "trainer/eval/split.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace tailor {

uint64_t UniformIndex(SplitRng& rng, uint64_t n) {
  const unsigned __int128 product =
      static_cast<unsigned __int128>(rng()) * static_cast<unsigned __int128>(n);
  return static_cast<uint64_t>(product >> 64);
}

absl::Status ValidateInteractions(const CsrMatrix& m,
                                  absl::Span<const int64_t> timestamps,
                                  const char* what) {
  absl::Status status = ValidateCsr(m);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": invalid matrix: ", status.message()));
  }
  if (!timestamps.empty() &&
      static_cast<int64_t>(timestamps.size()) != m.nnz()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", timestamps.size(), " timestamps for ", m.nnz(),
                     " entries (need none or one per entry)"));
  }
  return absl::OkStatus();
}

Split SplitByMask(const CsrMatrix& m, absl::Span<const int64_t> timestamps,
                  const std::vector<uint8_t>& to_test) {
  Split split;
  split.train.rows = split.test.rows = m.rows;
  split.train.cols = split.test.cols = m.cols;
  split.train.indptr.assign(1, 0);
  split.test.indptr.assign(1, 0);
  const bool has_time = !timestamps.empty();
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t p = m.indptr[r]; p < m.indptr[r + 1]; ++p) {
      CsrMatrix& dst = to_test[p] ? split.test : split.train;
      dst.indices.push_back(m.indices[p]);
      dst.data.push_back(m.data[p]);
      if (has_time) {
        (to_test[p] ? split.test_timestamps : split.train_timestamps)
            .push_back(timestamps[p]);
      }
    }
    split.train.indptr.push_back(split.train.nnz());
    split.test.indptr.push_back(split.test.nnz());
  }
  return split;
}

CsrMatrix FilterEntries(const CsrMatrix& m, const std::vector<uint8_t>& keep) {
  CsrMatrix out;
  out.rows = m.rows;
  out.cols = m.cols;
  out.indptr.assign(1, 0);
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t p = m.indptr[r]; p < m.indptr[r + 1]; ++p) {
      if (!keep[p]) continue;
      out.indices.push_back(m.indices[p]);
      out.data.push_back(m.data[p]);
    }
    out.indptr.push_back(out.nnz());
  }
  return out;
}

}  // namespace tailor
