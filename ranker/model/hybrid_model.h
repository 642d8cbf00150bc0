#ifndef TAILOR_RANKER_MODEL_HYBRID_MODEL_H_
#define TAILOR_RANKER_MODEL_HYBRID_MODEL_H_

// The real ranker::Servable: one loaded hybrid model version. For a request
// it resolves the user (known: stored factors, history, segment; unknown
// with recent interactions: fold-in; anonymous: context only), gathers
// candidates (CF top-N, content neighbours, segment-affine, popular in
// context, popular; or every item of a small catalogue), computes the five
// component features, blends them with the version's weights, applies the
// filters, optionally re-ranks by MMR and names a reason per item
// (docs/ranker_model.md). Immutable after Create; Rank is thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ranker/engine/servable.h"
#include "ranker/model/blend_weights.h"
#include "ranker/model/fold_in.h"
#include "ranker/model/model_data.h"
#include "ranker/scoring/exclusion_set.h"
#include "ranker/scoring/item_scorer.h"
#include "ranker/scoring/micro_batcher.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

// Catalogues up to this size are scored exhaustively (every item is a
// candidate); larger ones through the candidate lists.
inline constexpr int64_t kExhaustiveItems = 20000;

// Who is being ranked, resolved against the model.
struct UserState {
  bool known = false;          // the model has the user
  int segment = -1;            // K-means segment, -1 = none
  std::vector<float> factors;  // stored or folded in; empty = no CF
  // Unit-norm content profile: (term, weight), at most kProfileTerms terms.
  std::vector<std::pair<uint32_t, float>> profile;
  std::vector<int64_t> seen;  // catalogue rows, ascending (history + recent)
  bool has_recent = false;    // recent interactions were given
  // Context values by feature ("country", "hour", "channel"); "" = none.
  std::string country, hour, channel;
};
inline constexpr int kProfileTerms = 64;

// The offline view of a user (for `tailor blend` and the quality table).
struct UserInput {
  std::optional<uint64_t> user_key;
  std::vector<std::pair<int64_t, float>> recent;  // (catalogue row, weight)
  tailor::v1::RankContext context;
};

struct HybridModelOptions {
  // CF retrieval of large catalogues: int8 scan with the exact re-score
  // (ItemScorerOptions::int8_exact: the same results as the float scan with
  // 4x less memory traffic), and micro-batching of concurrent queries.
  bool int8 = true;
  bool micro_batch = true;
  MicroBatcherOptions batcher;
  // Threads sharing one CF scan of a catalogue of at least
  // scan_parallel_min_items items (ItemScorerOptions::scan_threads).
  int scan_threads = 1;
  int64_t scan_parallel_min_items = 200000;
};

class HybridModel final : public Servable {
 public:
  // INVALID_ARGUMENT when the parts do not fit together (BuildIndexes).
  static absl::StatusOr<std::unique_ptr<HybridModel>> Create(
      HybridModelData data, const HybridModelOptions& options = {});

  absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request,
      const RankCall& call) const override;
  int64_t MemoryBytes() const override { return memory_bytes_; }
  int64_t users() const override;
  int64_t items() const override { return data_.catalogue.size(); }
  std::string algorithm() const override { return data_.algorithm; }

  // Resolves a user; fold-in errors are returned.
  absl::StatusOr<UserState> Prepare(const UserInput& input) const;
  // Features of catalogue rows `rows` for `user` (out->size() = rows.size()).
  void ComputeFeatures(const UserState& user, absl::Span<const int64_t> rows,
                       std::vector<Features>* out) const;
  // Candidate rows (unique, ascending): every item of a small catalogue, or
  // the union of the per-component top lists of `per_list` items.
  // `excluded` (optional) is honoured inside the CF scan.
  std::vector<int64_t> Candidates(const UserState& user, int per_list,
                                  const ExclusionSet* excluded) const;

  const HybridModelData& data() const { return data_; }
  const ModelIndexes& indexes() const { return indexes_; }

  ~HybridModel() override;

 private:
  HybridModel(HybridModelData data, ModelIndexes indexes,
              std::unique_ptr<FoldInSolver> fold_in,
              std::shared_ptr<const ItemScorer> scorer,
              std::unique_ptr<MicroBatcher> batcher);

  // Dense per-call work arrays (content scores by item, profile weights by
  // term), kept zeroed between calls and reused across calls.
  struct Scratch;
  std::unique_ptr<Scratch> AcquireScratch() const;
  void ReleaseScratch(std::unique_ptr<Scratch> scratch) const;

  HybridModelData data_;
  ModelIndexes indexes_;
  mutable absl::Mutex scratch_mu_;
  mutable std::vector<std::unique_ptr<Scratch>> free_scratch_
      ABSL_GUARDED_BY(scratch_mu_);
  std::unique_ptr<FoldInSolver> fold_in_;     // null without item factors
  std::shared_ptr<const ItemScorer> scorer_;  // null for small catalogues
  std::unique_ptr<MicroBatcher> batcher_;     // null: scan directly
  int64_t memory_bytes_ = 0;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_HYBRID_MODEL_H_
