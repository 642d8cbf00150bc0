#ifndef TAILOR_RANKER_MODEL_MODEL_DATA_H_
#define TAILOR_RANKER_MODEL_MODEL_DATA_H_

// Everything one hybrid model version holds in memory, aligned to the rows
// of its catalogue (docs/ranker_model.md), and the indexes derived from it
// at load. Filled by the loader (model_loader.h) or, for offline tools, in
// memory; then immutable and shared read-only between threads.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/artifacts/segment_io.h"
#include "core/csr_matrix.h"
#include "core/format/aligned_buffer.h"
#include "core/format/factor_table.h"
#include "ranker/model/blend_weights.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/popularity.h"

namespace tailor::ranker {

struct HybridModelData {
  std::string algorithm;
  Catalogue catalogue;
  // Item factors by catalogue row (rows x dim, row-major; zero rows for
  // items the model has no factors for, marked in has_factors).
  int dim = 0;
  std::vector<float, AlignedAllocator<float>> item_factors;
  std::vector<uint8_t> has_factors;
  FactorTable user_factors;  // keyed by user key; may be empty
  // Training history: rows keyed by user_history_keys (ascending), columns
  // = catalogue rows, values = events. May be empty.
  std::vector<uint64_t> user_history_keys;
  CsrMatrix user_history;
  // Content: unit-norm TF-IDF vectors by catalogue row (cols = vocabulary;
  // rows = 0 when the version has none) and optional per-user profiles.
  CsrMatrix item_vectors;
  std::vector<uint64_t> user_profile_keys;
  CsrMatrix user_profiles;
  // Segments: K-means assignment by user and the segment x catalogue-row
  // lift (affinity.segments = 0 when the version has none).
  SegmentAssignments segments;
  ItemAffinity affinity;
  ContextPopularity popularity;
  BlendWeights blend;
};

// Indexes built once from the data.
struct ModelIndexes {
  // Term -> (item row, weight), for content scores.
  std::vector<std::vector<std::pair<int64_t, float>>> postings;
  // Context feature -> value -> item row -> events.
  absl::flat_hash_map<
      std::string,
      absl::flat_hash_map<std::string, absl::flat_hash_map<int64_t, float>>>
      context_events;
  // Per context feature and value: log1p of the largest count.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, float>>
      context_log_max;
  // Per segment: item rows by lift, descending (top kTopPerList).
  std::vector<std::vector<int64_t>> segment_top;
  // Item rows by overall events, descending (top kTopPerList).
  std::vector<int64_t> popular_top;
  absl::flat_hash_map<std::string, int64_t> id_to_row;
  // Items without CF factors (no training events) but with content: their
  // kImputeNeighbors nearest items by TF-IDF cosine that have factors, with
  // weights = cosine / sum of cosines. Every history-derived feature of such
  // an item (CF, segment lift, context and overall popularity) is the
  // weighted mean of its neighbours'; imputed_factors holds the weighted
  // mean of their factors (the CF part, precomputed).
  absl::flat_hash_map<int64_t, std::vector<std::pair<int64_t, float>>>
      imputed_from;
  absl::flat_hash_map<int64_t, std::vector<float>> imputed_factors;
  // Per item row: 1 when some segment's lift row holds the item. An item no
  // segment touched and with no neighbours to impute from has no segment
  // evidence: its segment feature is neutral (lift 1).
  std::vector<uint8_t> segment_evidence;
};

inline constexpr int kImputeNeighbors = 10;

inline constexpr int kTopPerList = 1000;

// Checks shapes (INVALID_ARGUMENT naming the part) and builds the indexes.
absl::StatusOr<ModelIndexes> BuildIndexes(const HybridModelData& data);

// Approximate resident bytes of data + indexes.
int64_t MemoryBytes(const HybridModelData& data, const ModelIndexes& indexes);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_MODEL_DATA_H_
