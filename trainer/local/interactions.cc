#include "trainer/local/interactions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/status_macros.h"

namespace tailor {

Interactions MergeRepeatedEvents(const SparseBlock& block,
                                 DuplicatePolicy policy) {
  const CsrMatrix& in = block.matrix;
  const bool has_time = !block.timestamps.empty();
  Interactions out;
  out.matrix.rows = in.rows;
  out.matrix.cols = in.cols;
  out.matrix.indptr.assign(1, 0);
  out.matrix.indptr.reserve(in.rows + 1);
  out.matrix.indices.reserve(in.indices.size());
  out.matrix.data.reserve(in.data.size());
  if (has_time) out.timestamps.reserve(in.indices.size());
  for (int64_t r = 0; r < in.rows; ++r) {
    for (int64_t p = in.indptr[r]; p < in.indptr[r + 1]; ++p) {
      const uint32_t col = in.indices[p];
      const float v = in.data[p];
      const bool repeat = static_cast<int64_t>(out.matrix.indices.size()) >
                              out.matrix.indptr.back() &&
                          out.matrix.indices.back() == col;
      if (!repeat) {
        out.matrix.indices.push_back(col);
        out.matrix.data.push_back(v);
        if (has_time) out.timestamps.push_back(block.timestamps[p]);
        continue;
      }
      float& merged = out.matrix.data.back();
      switch (policy) {
        case DuplicatePolicy::kSum:
          merged += v;
          break;
        case DuplicatePolicy::kLast:
          merged = v;
          break;
        case DuplicatePolicy::kMax:
          merged = std::max(merged, v);
          break;
      }
      if (has_time) {
        out.timestamps.back() =
            std::max(out.timestamps.back(), block.timestamps[p]);
      }
    }
    out.matrix.indptr.push_back(
        static_cast<int64_t>(out.matrix.indices.size()));
  }
  return out;
}

absl::StatusOr<Interactions> LoadInteractions(FileSystem* fs,
                                              const std::string& dataset_dir) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> dataset,
                          Dataset::Open(fs, dataset_dir));
  TAILOR_ASSIGN_OR_RETURN(SparseBlock block, dataset->LoadUserMajor());
  const bool ratings = dataset->manifest().value_name == "rating";
  Interactions out = MergeRepeatedEvents(
      block, ratings ? DuplicatePolicy::kLast : DuplicatePolicy::kSum);
  out.ratings = ratings;
  out.user_keys = dataset->users().keys;
  out.item_keys = dataset->items().keys;
  if (static_cast<int64_t>(out.user_keys.size()) != out.matrix.rows ||
      static_cast<int64_t>(out.item_keys.size()) != out.matrix.cols) {
    return absl::DataLossError(absl::StrCat(
        dataset_dir, ": the interaction matrix is ", out.matrix.rows, " x ",
        out.matrix.cols, " but the tables list ", out.user_keys.size(),
        " users and ", out.item_keys.size(), " items"));
  }
  return out;
}

}  // namespace tailor
