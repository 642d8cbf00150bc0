#include "trainer/eval/strong_generalization_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/eval/split.h"

namespace tailor {

absl::StatusOr<StrongGeneralizationSplit> StrongGeneralization(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const StrongGeneralizationOptions& options) {
  TAILOR_RETURN_IF_ERROR(ValidateInteractions(interactions, timestamps,
                                              "strong generalization input"));
  if (!(options.test_fraction > 0.0 && options.test_fraction < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("strong generalization: test_fraction must be in (0, 1), "
                     "got ",
                     options.test_fraction));
  }
  std::vector<uint32_t> users;
  for (int64_t u = 0; u < interactions.rows; ++u) {
    if (interactions.RowSize(u) > 0) users.push_back(static_cast<uint32_t>(u));
  }
  if (options.heldout_users < 1 ||
      options.heldout_users >= static_cast<int64_t>(users.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strong generalization: heldout_users must be in [1, ", users.size(),
        ") (users with interactions), got ", options.heldout_users));
  }
  SplitRng rng(options.seed);
  ShuffleWith(rng, users);
  StrongGeneralizationSplit result;
  result.heldout_users.assign(users.begin(),
                              users.begin() + options.heldout_users);
  std::sort(result.heldout_users.begin(), result.heldout_users.end());

  // 0 = train, 1 = fold-in, 2 = test, 3 = dropped.
  std::vector<uint8_t> part(interactions.nnz(), 0);
  std::vector<uint8_t> heldout(interactions.rows, 0);
  for (uint32_t u : result.heldout_users) heldout[u] = 1;
  std::vector<uint8_t> item_in_train(interactions.cols, 0);
  for (int64_t u = 0; u < interactions.rows; ++u) {
    if (heldout[u]) continue;
    for (int64_t p = interactions.indptr[u]; p < interactions.indptr[u + 1];
         ++p) {
      item_in_train[interactions.indices[p]] = 1;
    }
  }
  std::vector<int64_t> kept;
  for (uint32_t u : result.heldout_users) {
    kept.clear();
    for (int64_t p = interactions.indptr[u]; p < interactions.indptr[u + 1];
         ++p) {
      if (item_in_train[interactions.indices[p]]) {
        part[p] = 1;
        kept.push_back(p);
      } else {
        part[p] = 3;
        ++result.dropped_unseen_item_entries;
      }
    }
    const int64_t n = static_cast<int64_t>(kept.size());
    if (n < options.min_entries_to_split) continue;
    const int64_t test_count =
        static_cast<int64_t>(std::floor(options.test_fraction * n));
    ShuffleWith(rng, kept);
    for (int64_t i = 0; i < test_count; ++i) part[kept[i]] = 2;
  }
  std::vector<uint8_t> keep(interactions.nnz());
  for (uint8_t which = 0; which < 3; ++which) {
    for (int64_t p = 0; p < interactions.nnz(); ++p) keep[p] = part[p] == which;
    CsrMatrix m = FilterEntries(interactions, keep);
    if (which == 0) result.train = std::move(m);
    if (which == 1) result.fold_in = std::move(m);
    if (which == 2) result.test = std::move(m);
  }
  return result;
}

}  // namespace tailor
