#include "ranker/scoring/item_scorer.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/str_cat.h"
#include "core/format/aligned_buffer.h"
#include "core/status_macros.h"
#include "ranker/scoring/scan_kernels.h"
#include "ranker/scoring/top_k_collector.h"

namespace tailor::ranker {

using internal::kMaxQueryTile;
using internal::kPanelItems;
using internal::NumPanels;
using internal::TopKCollector;

namespace {

// Panels per block: about 24 KiB of factors, so a block stays in L1 (48 KiB
// on the measured machine) while every query of a batch runs over it, and
// only the first query tile reads it from L3 or memory.
constexpr int64_t kBlockBytes = 24 * 1024;

int64_t BlockPanels(int64_t panel_bytes) {
  return std::max<int64_t>(4, kBlockBytes / panel_bytes);
}

// Feeds the scores of panels [p0, p1) to `collector`: lanes that cannot
// enter (score below the collector's bar), excluded items (one byte of the
// bitset per panel) and padding are masked out before any scalar work;
// lanes tying the bar go to Push, which breaks the tie by index.
void SelectBlock(const float* scores, int64_t p0, int64_t p1,
                 const uint8_t* excluded, int64_t items,
                 TopKCollector* collector) {
  for (int64_t p = p0; p < p1; ++p) {
    const float* s = scores + (p - p0) * kPanelItems;
    unsigned mask = 0xFF;
    if (collector->full()) {
      const __m256 threshold = _mm256_set1_ps(collector->threshold());
      mask = static_cast<unsigned>(_mm256_movemask_ps(
          _mm256_cmp_ps(_mm256_loadu_ps(s), threshold, _CMP_GE_OQ)));
      if (mask == 0) continue;
    }
    if (excluded != nullptr) mask &= ~static_cast<unsigned>(excluded[p]);
    const int64_t first = p * kPanelItems;
    if (first + kPanelItems > items) mask &= (1u << (items - first)) - 1;
    while (mask != 0) {
      const int lane = __builtin_ctz(mask);
      collector->Push(static_cast<int32_t>(first + lane), s[lane]);
      mask &= mask - 1;
    }
  }
}

}  // namespace

struct ItemScorer::Storage {
  std::vector<float> rows;  // items x dim, row-major
  std::vector<float, AlignedAllocator<float>> float_panels;
  std::vector<uint8_t, AlignedAllocator<uint8_t>> int8_panels;
  std::vector<float> int8_scales;  // NumPanels * 8
  // AVX-VNNI for the int8 kernel when the CPU has it (same results).
  bool use_vnni = false;
};

ItemScorer::ItemScorer(std::vector<uint64_t> keys, int dim,
                       const ItemScorerOptions& options,
                       std::unique_ptr<Storage> storage)
    : keys_(std::move(keys)),
      dim_(dim),
      options_(options),
      storage_(std::move(storage)) {}

ItemScorer::~ItemScorer() = default;

absl::StatusOr<std::unique_ptr<ItemScorer>> ItemScorer::Create(
    absl::Span<const uint64_t> keys, absl::Span<const float> rows, int dim,
    const ItemScorerOptions& options) {
  if (dim < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("item factors: dim must be >= 1, got ", dim));
  }
  if (keys.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "item factors: ", keys.size(), " items, at most 2^31 - 1 supported"));
  }
  if (rows.size() != keys.size() * static_cast<size_t>(dim)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "item factors: ", rows.size(), " values for ", keys.size(),
        " keys x dim ", dim, " (expected ", keys.size() * dim, ")"));
  }
  if (options.rescore < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ItemScorerOptions.rescore must be >= 0, got ", options.rescore));
  }
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i - 1] >= keys[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("item keys must be strictly ascending: key ", keys[i],
                       " at row ", i, " follows ", keys[i - 1]));
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("item factors: non-finite value ", rows[i], " at row ",
                       i / dim, " column ", i % dim));
    }
  }
  const int64_t n = static_cast<int64_t>(keys.size());
  auto storage = std::make_unique<Storage>();
  storage->rows.assign(rows.begin(), rows.end());
  if (options.int8) {
    storage->use_vnni = internal::CpuHasAvxVnni();
    storage->int8_panels.resize(NumPanels(n) * internal::Int8Dim(dim) *
                                kPanelItems);
    storage->int8_scales.resize(NumPanels(n) * kPanelItems);
    internal::PackInt8Panels(rows.data(), n, dim, storage->int8_panels.data(),
                             storage->int8_scales.data());
  } else {
    storage->float_panels.resize(NumPanels(n) * dim * kPanelItems);
    internal::PackFloatPanels(rows.data(), n, dim,
                              storage->float_panels.data());
  }
  return std::unique_ptr<ItemScorer>(
      new ItemScorer(std::vector<uint64_t>(keys.begin(), keys.end()), dim,
                     options, std::move(storage)));
}

absl::Status ItemScorer::ValidateQuery(absl::Span<const float> query, int count,
                                       const ExclusionSet* excluded) const {
  if (static_cast<int64_t>(query.size()) != dim_) {
    return absl::InvalidArgumentError(
        absl::StrCat("query vector has ", query.size(),
                     " values; the item factors have dim ", dim_));
  }
  for (size_t j = 0; j < query.size(); ++j) {
    if (!std::isfinite(query[j])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query vector: non-finite value ", query[j], " at column ", j));
    }
  }
  if (count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("top-k count must be >= 0, got ", count));
  }
  if (excluded != nullptr && excluded->num_items() != items()) {
    return absl::InvalidArgumentError(
        absl::StrCat("exclusion set covers ", excluded->num_items(),
                     " items; the item factors have ", items()));
  }
  return absl::OkStatus();
}

absl::Status ItemScorer::TopK(absl::Span<const float> query, int count,
                              const ExclusionSet* excluded,
                              absl::Span<const int32_t> restrict_to,
                              std::vector<ScoredItem>* out) const {
  TAILOR_RETURN_IF_ERROR(ValidateQuery(query, count, excluded));
  if (restrict_to.empty()) {
    std::vector<std::vector<ScoredItem>> results;
    const TopKQuery q{query, count, excluded};
    Scan(absl::MakeConstSpan(&q, 1), &results);
    *out = std::move(results[0]);
    return absl::OkStatus();
  }
  std::vector<int32_t> candidates(restrict_to.begin(), restrict_to.end());
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());
  if (candidates.front() < 0 || candidates.back() >= items()) {
    const int32_t bad =
        candidates.front() < 0 ? candidates.front() : candidates.back();
    return absl::InvalidArgumentError(
        absl::StrCat("restrict_to index ", bad, " outside [0, ", items(), ")"));
  }
  TopKCollector collector(count);
  for (int32_t index : candidates) {
    if (excluded != nullptr && excluded->Contains(index)) continue;
    collector.Push(
        index,
        internal::DotFloat(
            query.data(),
            storage_->rows.data() + static_cast<int64_t>(index) * dim_, dim_));
  }
  collector.TakeSorted(out);
  return absl::OkStatus();
}

absl::Status ItemScorer::TopKBatch(
    absl::Span<const TopKQuery> queries,
    std::vector<std::vector<ScoredItem>>* out) const {
  for (size_t i = 0; i < queries.size(); ++i) {
    absl::Status status =
        ValidateQuery(queries[i].vector, queries[i].count, queries[i].excluded);
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("batch query ", i, ": ",
                                                      status.message()));
    }
  }
  Scan(queries, out);
  return absl::OkStatus();
}

void ItemScorer::Scan(absl::Span<const TopKQuery> queries,
                      std::vector<std::vector<ScoredItem>>* out) const {
  const int nq = static_cast<int>(queries.size());
  const int64_t n = items();
  const int64_t panels = NumPanels(n);
  out->assign(nq, {});
  std::vector<TopKCollector> collectors;
  collectors.reserve(nq);
  for (const TopKQuery& q : queries) {
    const int64_t want =
        options_.int8 ? std::max(q.count, options_.rescore) : q.count;
    collectors.emplace_back(q.count == 0 ? 0
                                         : static_cast<int>(std::min(want, n)));
  }
  // int8 mode: quantized queries.
  const int dim4 = internal::Int8Dim(dim_);
  std::vector<int8_t> qbytes;
  std::vector<float> qscales;
  std::vector<int32_t> qoffsets;
  if (options_.int8) {
    qbytes.resize(static_cast<size_t>(nq) * dim4);
    qscales.resize(nq);
    qoffsets.resize(nq);
    for (int i = 0; i < nq; ++i) {
      internal::QuantizeQuery(queries[i].vector.data(), dim_,
                              qbytes.data() + static_cast<size_t>(i) * dim4,
                              &qscales[i], &qoffsets[i]);
    }
  }
  const int64_t block_panels =
      BlockPanels(options_.int8 ? dim4 * kPanelItems
                                : dim_ * kPanelItems * int64_t{sizeof(float)});
  const int64_t block_items = block_panels * kPanelItems;
  std::vector<float> scores(static_cast<size_t>(nq) * block_items);
  for (int64_t p0 = 0; p0 < panels; p0 += block_panels) {
    const int64_t p1 = std::min(p0 + block_panels, panels);
    for (int i0 = 0; i0 < nq; i0 += kMaxQueryTile) {
      const int tile = std::min(kMaxQueryTile, nq - i0);
      float* block_scores =
          scores.data() + static_cast<size_t>(i0) * block_items;
      if (options_.int8) {
        const int8_t* q[kMaxQueryTile];
        for (int t = 0; t < tile; ++t) {
          q[t] = qbytes.data() + static_cast<size_t>(i0 + t) * dim4;
        }
        internal::ScoreInt8Panels(
            storage_->int8_panels.data(), storage_->int8_scales.data(), dim_,
            p0, p1, q, qscales.data() + i0, qoffsets.data() + i0, tile,
            block_scores, block_items, storage_->use_vnni);
      } else {
        const float* q[kMaxQueryTile];
        for (int t = 0; t < tile; ++t) q[t] = queries[i0 + t].vector.data();
        internal::ScoreFloatPanels(storage_->float_panels.data(), dim_, p0, p1,
                                   q, tile, block_scores, block_items);
      }
    }
    for (int i = 0; i < nq; ++i) {
      if (queries[i].count == 0) continue;
      SelectBlock(scores.data() + static_cast<size_t>(i) * block_items, p0, p1,
                  queries[i].excluded != nullptr ? queries[i].excluded->bytes()
                                                 : nullptr,
                  n, &collectors[i]);
    }
  }
  for (int i = 0; i < nq; ++i) {
    std::vector<ScoredItem>& result = (*out)[i];
    collectors[i].TakeSorted(&result);
    if (options_.int8) {
      // Exact re-score of the int8 candidates.
      for (ScoredItem& item : result) {
        item.score = internal::DotFloat(
            queries[i].vector.data(),
            storage_->rows.data() + static_cast<int64_t>(item.index) * dim_,
            dim_);
      }
      std::sort(result.begin(), result.end(), ScoredItemBefore);
      if (static_cast<int>(result.size()) > queries[i].count) {
        result.resize(queries[i].count);
      }
    }
  }
}

absl::Status ItemScorer::ScoreIndices(absl::Span<const float> query,
                                      absl::Span<const int32_t> indices,
                                      std::vector<float>* scores) const {
  TAILOR_RETURN_IF_ERROR(ValidateQuery(query, 0, nullptr));
  scores->resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const int32_t index = indices[i];
    if (index < 0 || index >= items()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item index ", index, " outside [0, ", items(), ")"));
    }
    (*scores)[i] = internal::DotFloat(
        query.data(),
        storage_->rows.data() + static_cast<int64_t>(index) * dim_, dim_);
  }
  return absl::OkStatus();
}

int64_t ItemScorer::IndexOf(uint64_t key) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (it == keys_.end() || *it != key) return -1;
  return it - keys_.begin();
}

void ItemScorer::CopyRow(int64_t index, absl::Span<float> out) const {
  ABSL_RAW_CHECK(index >= 0 && index < items(), "CopyRow: index out of range");
  ABSL_RAW_CHECK(static_cast<int64_t>(out.size()) == dim_,
                 "CopyRow: output size != dim");
  std::memcpy(out.data(),
              storage_->rows.data() + static_cast<int64_t>(index) * dim_,
              sizeof(float) * dim_);
}

int64_t ItemScorer::MemoryBytes() const {
  return static_cast<int64_t>(keys_.capacity() * sizeof(uint64_t) +
                              storage_->rows.capacity() * sizeof(float) +
                              storage_->float_panels.capacity() *
                                  sizeof(float) +
                              storage_->int8_panels.capacity() +
                              storage_->int8_scales.capacity() * sizeof(float));
}

}  // namespace tailor::ranker
