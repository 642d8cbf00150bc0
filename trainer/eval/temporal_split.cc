#include "trainer/eval/temporal_split.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {

absl::StatusOr<TemporalSplit> TemporalCutoff(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    int64_t cutoff) {
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(interactions, timestamps, "temporal split input"));
  if (timestamps.empty() && interactions.nnz() > 0) {
    return absl::InvalidArgumentError(
        "temporal split: the interactions have no timestamps");
  }
  std::vector<uint8_t> to_test(interactions.nnz());
  for (int64_t p = 0; p < interactions.nnz(); ++p) {
    to_test[p] = timestamps[p] >= cutoff;
  }
  TemporalSplit result;
  result.split = SplitByMask(interactions, timestamps, to_test);
  const CsrMatrix& train = result.split.train;
  const CsrMatrix& test = result.split.test;
  if (train.nnz() == 0 || test.nnz() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "temporal split: cutoff ", cutoff, " leaves ", train.nnz(),
        " train and ", test.nnz(), " test entries; both must be non-empty"));
  }
  std::vector<uint8_t> item_known(interactions.cols, 0);
  for (uint32_t i : train.indices) item_known[i] = 1;
  std::vector<uint8_t> item_new(interactions.cols, 0);
  for (uint32_t i : test.indices) item_new[i] = !item_known[i];
  for (int64_t i = 0; i < interactions.cols; ++i) {
    if (item_new[i]) result.new_items.push_back(static_cast<uint32_t>(i));
  }
  // 0 = warm, 1 = new user, 2 = new item.
  std::vector<uint8_t> part(test.nnz());
  for (int64_t u = 0; u < test.rows; ++u) {
    const bool user_new = train.RowSize(u) == 0 && test.RowSize(u) > 0;
    if (user_new) result.new_users.push_back(static_cast<uint32_t>(u));
    for (int64_t p = test.indptr[u]; p < test.indptr[u + 1]; ++p) {
      part[p] = user_new ? 1 : (item_known[test.indices[p]] ? 0 : 2);
    }
  }
  std::vector<uint8_t> keep(test.nnz());
  for (uint8_t which = 0; which < 3; ++which) {
    for (int64_t p = 0; p < test.nnz(); ++p) keep[p] = part[p] == which;
    CsrMatrix m = FilterEntries(test, keep);
    if (which == 0) result.test_warm = std::move(m);
    if (which == 1) result.test_new_users = std::move(m);
    if (which == 2) result.test_new_items = std::move(m);
  }
  return result;
}

}  // namespace tailor
