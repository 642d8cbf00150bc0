#ifndef TAILOR_TRAINER_PROTOCOL_PROTOCOL_SPLIT_H_
#define TAILOR_TRAINER_PROTOCOL_PROTOCOL_SPLIT_H_

// The evaluation protocols of DESIGN.md ("Evaluation protocols") as data:
// which protocol, its options, and the train/test matrices it produces
// (docs/evaluation_protocols.md). MakeProtocolSplit is stateless and
// deterministic for options.seed; `tailor split` writes its result to disk
// (split_io.h) and `tailor eval` evaluates on it (protocol_runner.h).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"

namespace tailor {

enum class Protocol {
  kSurpriseCv,    // "surprise_cv": k-fold over ratings; rmse, mae
  kMsStratified,  // "ms_stratified": per-user 75/25; map, ndcg@10, p@10, r@10
  kLeaveOneOut,   // "leave_one_out": latest entry vs sampled negatives; hr@10
  kStrong,        // "strong": held-out users, fold-in; recall@20/50, ndcg@100
  kTemporal,      // "temporal": before/after a cutoff; warm, new users/items
};

// "surprise_cv" -> kSurpriseCv, ...; errors list the valid names.
absl::StatusOr<Protocol> ParseProtocol(const std::string& name);
const char* ProtocolName(Protocol protocol);

struct ProtocolOptions {
  Protocol protocol = Protocol::kMsStratified;
  uint64_t seed = 42;
  int folds = 5;              // surprise_cv, >= 2
  double train_ratio = 0.75;  // ms_stratified, in (0, 1)
  int k = 10;                 // cut-off of ms_stratified, loo, temporal
  int negatives = 100;        // leave_one_out, per user, >= 1
  bool loo_random = false;    // leave_one_out: random entry, not the latest
  // strong: users held out (0: 10% of the users with entries, at least 1)
  // and the share of each one's entries to predict.
  int64_t heldout_users = 0;
  double test_fraction = 0.2;
  // temporal: unix seconds; 0: the 80% quantile of the timestamps.
  int64_t cutoff = 0;
};

// Checks ranges (k >= 1, folds >= 2, ...); errors name the option.
absl::Status ValidateProtocolOptions(const ProtocolOptions& options);

// One train/test pair. Every matrix has the input's shape (users x items).
struct EvalFold {
  CsrMatrix train;
  std::vector<int64_t> train_timestamps;  // parallel to train, or empty
  CsrMatrix test;
  CsrMatrix negatives;  // leave_one_out: each test user's sampled items
  CsrMatrix fold_in;    // strong: held-out users' entries given to the model
};

struct ProtocolSplit {
  ProtocolOptions options;      // as used (cutoff and heldout_users resolved)
  std::vector<EvalFold> folds;  // surprise_cv: `folds`; otherwise one
  int64_t users_skipped = 0;    // loo: users with < 2 entries
  int64_t dropped_entries = 0;  // strong: entries on items unseen in train
};

// Splits `interactions` (user-major, unique sorted columns; timestamps
// parallel or empty) by `options`. Errors: invalid options or matrix, an
// empty matrix, leave_one_out or temporal without timestamps where needed.
absl::StatusOr<ProtocolSplit> MakeProtocolSplit(
    const CsrMatrix& interactions, absl::Span<const int64_t> timestamps,
    const ProtocolOptions& options);

// The temporal test parts: warm (known user and item), new users (users
// with no train entry), new items (known users, items with no train entry).
struct TemporalParts {
  CsrMatrix warm;
  CsrMatrix new_users;
  CsrMatrix new_items;
  int64_t num_new_users = 0;
  int64_t num_new_items = 0;
};
TemporalParts SplitTemporalTest(const CsrMatrix& train, const CsrMatrix& test);

// A copy of `m` with every value set to 1 (implicit feedback).
CsrMatrix Binarized(const CsrMatrix& m);

}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_PROTOCOL_SPLIT_H_
