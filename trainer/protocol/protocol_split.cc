#include "trainer/protocol/protocol_split.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/eval/kfold_split.h"
#include "trainer/eval/leave_one_out_split.h"
#include "trainer/eval/split.h"
#include "trainer/eval/stratified_split.h"
#include "trainer/eval/strong_generalization_split.h"
#include "trainer/eval/temporal_split.h"

namespace tailor {
namespace {

constexpr std::pair<const char*, Protocol> kProtocols[] = {
    {"surprise_cv", Protocol::kSurpriseCv},
    {"ms_stratified", Protocol::kMsStratified},
    {"leave_one_out", Protocol::kLeaveOneOut},
    {"strong", Protocol::kStrong},
    {"temporal", Protocol::kTemporal},
};

EvalFold FoldOf(Split split) {
  EvalFold fold;
  fold.train = std::move(split.train);
  fold.train_timestamps = std::move(split.train_timestamps);
  fold.test = std::move(split.test);
  return fold;
}

CsrMatrix EmptyLike(const CsrMatrix& m) {
  CsrMatrix out;
  out.rows = m.rows;
  out.cols = m.cols;
  out.indptr.assign(m.rows + 1, 0);
  return out;
}

// The timestamp below which `share` of the entries fall.
int64_t TimeQuantile(absl::Span<const int64_t> timestamps, double share) {
  std::vector<int64_t> sorted(timestamps.begin(), timestamps.end());
  const size_t at = std::min(sorted.size() - 1,
                             static_cast<size_t>(share * (sorted.size() - 1)));
  std::nth_element(sorted.begin(), sorted.begin() + at, sorted.end());
  return sorted[at];
}

}  // namespace

absl::StatusOr<Protocol> ParseProtocol(const std::string& name) {
  for (const auto& [text, protocol] : kProtocols) {
    if (name == text) return protocol;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown protocol '", name,
                   "'; expected surprise_cv, ms_stratified, leave_one_out, "
                   "strong or temporal"));
}

const char* ProtocolName(Protocol protocol) {
  for (const auto& [text, p] : kProtocols) {
    if (p == protocol) return text;
  }
  return "unknown";
}

absl::Status ValidateProtocolOptions(const ProtocolOptions& o) {
  if (o.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("protocol option k must be >= 1, got ", o.k));
  }
  if (o.folds < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("protocol option folds must be >= 2, got ", o.folds));
  }
  if (!(o.train_ratio > 0 && o.train_ratio < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "protocol option train_ratio must be in (0, 1), got ", o.train_ratio));
  }
  if (o.negatives < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "protocol option negatives must be >= 1, got ", o.negatives));
  }
  if (o.heldout_users < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "protocol option heldout_users must be >= 0, got ", o.heldout_users));
  }
  if (!(o.test_fraction > 0 && o.test_fraction < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("protocol option test_fraction must be in (0, 1), got ",
                     o.test_fraction));
  }
  return absl::OkStatus();
}

CsrMatrix Binarized(const CsrMatrix& m) {
  CsrMatrix out = m;
  std::fill(out.data.begin(), out.data.end(), 1.0f);
  return out;
}

TemporalParts SplitTemporalTest(const CsrMatrix& train, const CsrMatrix& test) {
  std::vector<uint8_t> item_known(train.cols, 0);
  for (uint32_t c : train.indices) item_known[c] = 1;
  std::vector<uint8_t> item_new_counted(train.cols, 0);
  TemporalParts parts;
  std::vector<uint8_t> warm(test.nnz(), 0), new_user(test.nnz(), 0),
      new_item(test.nnz(), 0);
  for (int64_t u = 0; u < test.rows; ++u) {
    const bool known_user = u < train.rows && train.RowSize(u) > 0;
    if (!known_user && test.RowSize(u) > 0) ++parts.num_new_users;
    for (int64_t p = test.indptr[u]; p < test.indptr[u + 1]; ++p) {
      const uint32_t item = test.indices[p];
      if (!item_known[item] && !item_new_counted[item]) {
        item_new_counted[item] = 1;
        ++parts.num_new_items;
      }
      if (!known_user) {
        new_user[p] = 1;
      } else if (!item_known[item]) {
        new_item[p] = 1;
      } else {
        warm[p] = 1;
      }
    }
  }
  parts.warm = FilterEntries(test, warm);
  parts.new_users = FilterEntries(test, new_user);
  parts.new_items = FilterEntries(test, new_item);
  return parts;
}

absl::StatusOr<ProtocolSplit> MakeProtocolSplit(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const ProtocolOptions& options) {
  TAILOR_RETURN_IF_ERROR(ValidateProtocolOptions(options));
  TAILOR_RETURN_IF_ERROR(
      ValidateInteractions(interactions, timestamps, "interactions"));
  if (interactions.nnz() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the dataset has no interactions (", interactions.rows, " users, ",
        interactions.cols, " items); nothing to evaluate"));
  }
  ProtocolSplit result;
  result.options = options;
  switch (options.protocol) {
    case Protocol::kSurpriseCv: {
      KFoldOptions kfold;
      kfold.folds = options.folds;
      kfold.seed = options.seed;
      TAILOR_ASSIGN_OR_RETURN(std::vector<Split> splits,
                              KFoldSplit(interactions, timestamps, kfold));
      for (Split& s : splits) result.folds.push_back(FoldOf(std::move(s)));
      break;
    }
    case Protocol::kMsStratified: {
      StratifiedSplitOptions strat;
      strat.train_ratio = options.train_ratio;
      strat.seed = options.seed;
      TAILOR_ASSIGN_OR_RETURN(Split s,
                              StratifiedSplit(interactions, timestamps, strat));
      result.folds.push_back(FoldOf(std::move(s)));
      break;
    }
    case Protocol::kLeaveOneOut: {
      LeaveOneOutOptions loo;
      loo.choice = options.loo_random || timestamps.empty()
                       ? HoldOutChoice::kRandom
                       : HoldOutChoice::kLatest;
      if (!options.loo_random && timestamps.empty()) {
        return absl::InvalidArgumentError(
            "leave_one_out holds out each user's latest interaction, but the "
            "dataset has no timestamps; use the random choice instead");
      }
      loo.seed = options.seed;
      TAILOR_ASSIGN_OR_RETURN(LeaveOneOutSplit s,
                              LeaveOneOut(interactions, timestamps, loo));
      EvalFold fold = FoldOf(std::move(s.split));
      TAILOR_ASSIGN_OR_RETURN(fold.negatives,
                              SampleNegatives(interactions, fold.test,
                                              options.negatives, options.seed));
      result.users_skipped = s.users_skipped;
      result.folds.push_back(std::move(fold));
      break;
    }
    case Protocol::kStrong: {
      StrongGeneralizationOptions strong;
      int64_t users = 0;
      for (int64_t u = 0; u < interactions.rows; ++u) {
        users += interactions.RowSize(u) > 0;
      }
      strong.heldout_users =
          options.heldout_users > 0
              ? options.heldout_users
              : std::max<int64_t>(1, static_cast<int64_t>(users / 10));
      strong.test_fraction = options.test_fraction;
      strong.seed = options.seed;
      TAILOR_ASSIGN_OR_RETURN(
          StrongGeneralizationSplit s,
          StrongGeneralization(interactions, timestamps, strong));
      result.options.heldout_users = strong.heldout_users;
      result.dropped_entries = s.dropped_unseen_item_entries;
      EvalFold fold;
      fold.train = std::move(s.train);
      fold.test = std::move(s.test);
      fold.fold_in = std::move(s.fold_in);
      result.folds.push_back(std::move(fold));
      break;
    }
    case Protocol::kTemporal: {
      if (timestamps.empty()) {
        return absl::InvalidArgumentError(
            "the temporal protocol needs timestamps; the dataset has none");
      }
      const int64_t cutoff =
          options.cutoff != 0 ? options.cutoff : TimeQuantile(timestamps, 0.8);
      result.options.cutoff = cutoff;
      TAILOR_ASSIGN_OR_RETURN(TemporalSplit s,
                              TemporalCutoff(interactions, timestamps, cutoff));
      result.folds.push_back(FoldOf(std::move(s.split)));
      break;
    }
  }
  for (EvalFold& fold : result.folds) {
    if (fold.negatives.indptr.size() !=
        static_cast<size_t>(fold.test.rows + 1)) {
      fold.negatives = EmptyLike(fold.test);
    }
    if (fold.fold_in.indptr.size() != static_cast<size_t>(fold.test.rows + 1)) {
      fold.fold_in = EmptyLike(fold.test);
    }
  }
  return result;
}

}  // namespace tailor
