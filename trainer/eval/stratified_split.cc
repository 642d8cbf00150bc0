#include "trainer/eval/stratified_split.h"

#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

int64_t StratifiedTrainCount(double ratio, int64_t n) {
  const double x = ratio * static_cast<double>(n);
  // Round half to even regardless of the current rounding mode.
  const double lower = std::floor(x);
  const double diff = x - lower;
  if (diff > 0.5) return static_cast<int64_t>(lower) + 1;
  if (diff < 0.5) return static_cast<int64_t>(lower);
  const int64_t l = static_cast<int64_t>(lower);
  return (l % 2 == 0) ? l : l + 1;
}

absl::StatusOr<Split> StratifiedSplit(const CsrMatrix& interactions,
                                      absl::Span<const int64_t> timestamps,
                                      const StratifiedSplitOptions& options) {
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(interactions, timestamps, "stratified split input"));
  if (!(options.train_ratio > 0.0 && options.train_ratio < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("stratified split: train_ratio must be in (0, 1), got ",
                     options.train_ratio));
  }
  SplitRng rng(options.seed);
  std::vector<uint8_t> to_test(interactions.nnz(), 0);
  std::vector<int64_t> order;
  for (int64_t u = 0; u < interactions.rows; ++u) {
    const int64_t begin = interactions.indptr[u];
    const int64_t n = interactions.RowSize(u);
    if (n == 0) continue;
    order.resize(n);
    std::iota(order.begin(), order.end(), begin);
    ShuffleWith(rng, order);
    const int64_t train_count = StratifiedTrainCount(options.train_ratio, n);
    for (int64_t i = train_count; i < n; ++i) to_test[order[i]] = 1;
  }
  return SplitByMask(interactions, timestamps, to_test);
}

}  // namespace tailor
