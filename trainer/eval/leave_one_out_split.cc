#include "trainer/eval/leave_one_out_split.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

absl::StatusOr<LeaveOneOutSplit> LeaveOneOut(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const LeaveOneOutOptions& options) {
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(interactions, timestamps, "leave-one-out input"));
  if (options.choice == HoldOutChoice::kLatest && timestamps.empty()) {
    return absl::InvalidArgumentError(
        "leave-one-out: holding out the latest interaction needs timestamps");
  }
  SplitRng rng(options.seed);
  LeaveOneOutSplit result;
  std::vector<uint8_t> to_test(interactions.nnz(), 0);
  std::vector<int64_t> latest;
  for (int64_t u = 0; u < interactions.rows; ++u) {
    const int64_t begin = interactions.indptr[u];
    const int64_t end = interactions.indptr[u + 1];
    if (end - begin < 2) {
      if (end - begin == 1) ++result.users_skipped;
      continue;
    }
    int64_t chosen;
    if (options.choice == HoldOutChoice::kRandom) {
      chosen = begin + static_cast<int64_t>(UniformIndex(rng, end - begin));
    } else {
      latest.clear();
      int64_t max_time = timestamps[begin];
      for (int64_t p = begin; p < end; ++p) {
        if (timestamps[p] > max_time) {
          max_time = timestamps[p];
          latest.clear();
        }
        if (timestamps[p] == max_time) latest.push_back(p);
      }
      chosen = latest.size() == 1 ? latest[0]
                                  : latest[UniformIndex(rng, latest.size())];
    }
    to_test[chosen] = 1;
  }
  result.split = SplitByMask(interactions, timestamps, to_test);
  return result;
}

absl::StatusOr<CsrMatrix> SampleNegatives(const CsrMatrix& all,
                                          const CsrMatrix& test, int per_user,
                                          uint64_t seed) {
  TAILOR_RETURN_IF_ERROR(ValidateInteractions(all, {}, "negative sampling"));
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(test, {}, "negative sampling test set"));
  if (all.rows != test.rows || all.cols != test.cols) {
    return absl::InvalidArgumentError(absl::StrCat(
        "negative sampling: interactions are ", all.rows, "x", all.cols,
        " but the test set is ", test.rows, "x", test.cols));
  }
  if (per_user < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "negative sampling: need >= 1 negative per user, got ", per_user));
  }
  SplitRng rng(seed);
  CsrMatrix out;
  out.rows = all.rows;
  out.cols = all.cols;
  out.indptr.assign(1, 0);
  absl::flat_hash_set<uint32_t> drawn;
  for (int64_t u = 0; u < all.rows; ++u) {
    if (test.RowSize(u) > 0) {
      const auto seen_begin = all.indices.begin() + all.indptr[u];
      const auto seen_end = all.indices.begin() + all.indptr[u + 1];
      const int64_t unseen = all.cols - all.RowSize(u);
      if (unseen < per_user) {
        return absl::InvalidArgumentError(
            absl::StrCat("negative sampling: user ", u, " has only ", unseen,
                         " items without interactions, fewer than ", per_user));
      }
      drawn.clear();
      const size_t row_start = out.indices.size();
      while (static_cast<int64_t>(drawn.size()) < per_user) {
        const uint32_t item =
            static_cast<uint32_t>(UniformIndex(rng, all.cols));
        if (std::binary_search(seen_begin, seen_end, item)) continue;
        if (drawn.insert(item).second) out.indices.push_back(item);
      }
      std::sort(out.indices.begin() + row_start, out.indices.end());
    }
    out.indptr.push_back(static_cast<int64_t>(out.indices.size()));
  }
  out.data.assign(out.indices.size(), 1.0f);
  return out;
}

}  // namespace tailor
