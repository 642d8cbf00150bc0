#ifndef TAILOR_RANKER_SCORING_ITEM_SCORER_H_
#define TAILOR_RANKER_SCORING_ITEM_SCORER_H_

// Exact top-k retrieval over a model version's item factors: score =
// dot(query, item row), scanned with AVX2/FMA kernels over a blocked
// (8-item panel) copy of the matrix, with exclusions applied inside the scan.
// Optionally scans an int8 copy (4x less memory traffic) and re-scores in
// float the candidates that the quantization error bound cannot rule out.
// Large catalogues can split one scan over a few threads (scan_threads).
// See docs/ranker_scoring.md.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ranker/scoring/exclusion_set.h"
#include "ranker/scoring/scored_item.h"

namespace tailor::ranker {

struct ItemScorerOptions {
  // Scan int8-quantized factors, then re-score exactly. Default false.
  bool int8 = false;
  // int8 mode: candidates re-scored in float (max(rescore, count) are).
  // Default 200 (recall@100 1.000 at 10^5 and 10^6 Gaussian items, dim 64;
  // see docs/ranker_scoring.md).
  int rescore = 200;
  // int8 mode: true (default) re-scores exactly the items whose quantization
  // error bound lets them enter the exact top `count` (a rigorous bound, so
  // the results equal the float scan's; `rescore` is then unused). false:
  // the best max(rescore, count) approximate scores are re-scored.
  bool int8_exact = true;
  // Threads that share one scan (the caller plus scan_threads - 1 pool
  // workers owned by the scorer), used only when items() >=
  // parallel_min_items so small catalogues never pay a hand-off. Default 1.
  int scan_threads = 1;
  int64_t parallel_min_items = 200000;
};

// One query of a batch. `vector` has dim() floats and must outlive the call.
struct TopKQuery {
  absl::Span<const float> vector;
  int count = 0;
  const ExclusionSet* excluded = nullptr;  // null: nothing excluded
};

// Immutable after Create; every method is const and thread-safe.
class ItemScorer {
 public:
  // `rows` is keys.size() x dim, row-major; keys strictly ascending.
  // INVALID_ARGUMENT for unsorted/duplicate keys, size mismatch, dim < 1,
  // more than 2^31 - 1 items, or a non-finite value (names row and column).
  static absl::StatusOr<std::unique_ptr<ItemScorer>> Create(
      absl::Span<const uint64_t> keys, absl::Span<const float> rows, int dim,
      const ItemScorerOptions& options = {});

  // The best min(count, eligible) items, sorted by ScoredItemBefore; items in
  // `excluded` never appear. When `restrict_to` is non-empty only those
  // indices are scored (exactly, duplicates once). INVALID_ARGUMENT for a
  // query of the wrong size or with non-finite values, count < 0, an
  // exclusion set of another size or a restrict_to index out of range.
  absl::Status TopK(absl::Span<const float> query, int count,
                    const ExclusionSet* excluded,
                    absl::Span<const int32_t> restrict_to,
                    std::vector<ScoredItem>* out) const;

  // Many queries in one pass over the matrix (a blocked matrix product);
  // out->at(i) is what TopK(queries[i]) returns. Errors as TopK, for the
  // first bad query; then no results are written.
  absl::Status TopKBatch(absl::Span<const TopKQuery> queries,
                         std::vector<std::vector<ScoredItem>>* out) const;

  // Exact float scores of `indices` (scores->size() == indices.size()).
  absl::Status ScoreIndices(absl::Span<const float> query,
                            absl::Span<const int32_t> indices,
                            std::vector<float>* scores) const;

  // OK when TopK would accept (query, count, excluded); else its error.
  absl::Status ValidateQuery(absl::Span<const float> query, int count,
                             const ExclusionSet* excluded) const;

  int64_t items() const { return static_cast<int64_t>(keys_.size()); }
  int dim() const { return dim_; }
  bool int8() const { return options_.int8; }
  const std::vector<uint64_t>& keys() const { return keys_; }
  uint64_t key(int64_t index) const { return keys_[index]; }
  // Index of `key`, or -1 when absent. O(log items).
  int64_t IndexOf(uint64_t key) const;
  // Copies row `index` (dim floats) into `out`; CHECKs the sizes.
  void CopyRow(int64_t index, absl::Span<float> out) const;
  // Bytes held (factor copies, keys, scales).
  int64_t MemoryBytes() const;

  ItemScorer(const ItemScorer&) = delete;
  ItemScorer& operator=(const ItemScorer&) = delete;
  ~ItemScorer();

 private:
  struct Storage;
  ItemScorer(std::vector<uint64_t> keys, int dim,
             const ItemScorerOptions& options,
             std::unique_ptr<Storage> storage);
  struct QueryPlan;
  struct PartResult;
  void Scan(absl::Span<const TopKQuery> queries,
            std::vector<std::vector<ScoredItem>>* out) const;
  // Scans panels [pa, pb) for every query of `plan`.
  void ScanPart(const std::vector<QueryPlan>& plan, int64_t pa, int64_t pb,
                PartResult* result) const;
  void PrefetchRow(int32_t index) const;

  std::vector<uint64_t> keys_;
  int dim_;
  ItemScorerOptions options_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SCORING_ITEM_SCORER_H_
