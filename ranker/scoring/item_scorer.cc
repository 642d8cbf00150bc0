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
#include "ranker/scoring/scan_pool.h"
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

// Panels per scan block for the int8 or float panels of `dim` factors.
int64_t ScanBlockPanels(bool int8, int dim) {
  return BlockPanels(int8 ? internal::Int8Dim(dim) * kPanelItems
                          : dim * kPanelItems * int64_t{sizeof(float)});
}

// Feeds the scores of panels [p0, p1) whose lanes the kernel marked in
// `masks` (score >= the collector's bar when the block started) to
// `collector`; excluded items (one byte of the bitset per panel) and
// padding are masked out before any scalar work; Push re-checks against
// the bar, which may have risen, and breaks ties by index.
void SelectMasked(const float* scores, const uint8_t* masks, int64_t p0,
                  int64_t p1, const uint8_t* excluded, int64_t items,
                  TopKCollector* collector) {
  const int64_t np = p1 - p0;
  for (int64_t k = 0; k < np; ++k) {
    if (k + 8 <= np) {
      uint64_t word;
      std::memcpy(&word, masks + k, 8);
      if (word == 0) {
        k += 7;
        continue;
      }
    }
    unsigned mask = masks[k];
    if (mask == 0) continue;
    const int64_t p = p0 + k;
    if (excluded != nullptr) mask &= ~static_cast<unsigned>(excluded[p]);
    const int64_t first = p * kPanelItems;
    if (first + kPanelItems > items) mask &= (1u << (items - first)) - 1;
    const float* s = scores + k * kPanelItems;
    while (mask != 0) {
      const int lane = __builtin_ctz(mask);
      collector->Push(static_cast<int32_t>(first + lane), s[lane]);
      mask &= mask - 1;
    }
  }
}

// int8 with the exact bound: an item can enter the exact top `count` only
// if its upper bound (approximate score + error bound e_i) reaches the
// count-th best lower bound (approximate score - e_i). e_i = ca * norm_i +
// cb * residual_i (see QueryPlan). The kernel marked the lanes whose
// approximate score reaches the running bar `*floor` minus the block's
// largest e_i; of those, lanes whose own upper bound reaches `*floor` are
// kept as candidates (index, upper bound) and their lower bounds go to
// `lower`, whose bar raises `*floor`.
void SelectMaskedBound(const float* scores, const uint8_t* masks, int64_t p0,
                       int64_t p1, const uint8_t* excluded, int64_t items,
                       const float* norms, const float* residuals, float ca,
                       float cb, TopKCollector* lower,
                       std::vector<ScoredItem>* candidates, float* floor) {
  const int64_t np = p1 - p0;
  for (int64_t k = 0; k < np; ++k) {
    if (k + 8 <= np) {
      uint64_t word;
      std::memcpy(&word, masks + k, 8);
      if (word == 0) {
        k += 7;
        continue;
      }
    }
    unsigned mask = masks[k];
    if (mask == 0) continue;
    const int64_t p = p0 + k;
    if (excluded != nullptr) mask &= ~static_cast<unsigned>(excluded[p]);
    const int64_t first = p * kPanelItems;
    if (first + kPanelItems > items) mask &= (1u << (items - first)) - 1;
    const float* s = scores + k * kPanelItems;
    while (mask != 0) {
      const int lane = __builtin_ctz(mask);
      mask &= mask - 1;
      const int64_t item = first + lane;
      const float e = ca * norms[item] + cb * residuals[item];
      const float upper = s[lane] + e;
      if (upper < *floor) continue;
      lower->Push(static_cast<int32_t>(item), s[lane] - e);
      candidates->push_back({static_cast<int32_t>(item), upper});
      if (lower->full()) *floor = std::max(*floor, lower->threshold());
    }
  }
}

// Drops candidates whose upper bound is below `floor`.
void PruneCandidates(float floor, std::vector<ScoredItem>* candidates) {
  candidates->erase(
      std::remove_if(candidates->begin(), candidates->end(),
                     [floor](const ScoredItem& c) { return c.score < floor; }),
      candidates->end());
}

}  // namespace

struct ItemScorer::Storage {
  std::vector<float> rows;  // items x dim, row-major
  std::vector<float, AlignedAllocator<float>> float_panels;
  std::vector<uint8_t, AlignedAllocator<uint8_t>> int8_panels;
  std::vector<float> int8_scales;  // NumPanels * 8
  // Per item (NumPanels * 8): norm of the dequantized row and of the
  // quantization residual, for the int8 error bound.
  std::vector<float> int8_norms;
  std::vector<float> int8_residuals;
  // Per scan block: the largest norm and residual of its items.
  std::vector<float> block_max_norm;
  std::vector<float> block_max_residual;
  // Workers for scans split over threads (null: one thread).
  std::unique_ptr<internal::ScanPool> pool;
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
  if (options.scan_threads < 1 || options.scan_threads > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("ItemScorerOptions.scan_threads must be in [1, 64], got ",
                     options.scan_threads));
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
    storage->int8_norms.resize(NumPanels(n) * kPanelItems);
    storage->int8_residuals.resize(NumPanels(n) * kPanelItems);
    internal::Int8ErrorNorms(rows.data(), n, dim, storage->int8_panels.data(),
                             storage->int8_scales.data(),
                             storage->int8_norms.data(),
                             storage->int8_residuals.data());
    const int64_t block_items = ScanBlockPanels(true, dim) * kPanelItems;
    const int64_t blocks =
        (static_cast<int64_t>(storage->int8_norms.size()) + block_items - 1) /
        block_items;
    storage->block_max_norm.assign(blocks, 0.0f);
    storage->block_max_residual.assign(blocks, 0.0f);
    for (size_t i = 0; i < storage->int8_norms.size(); ++i) {
      float& norm = storage->block_max_norm[i / block_items];
      float& residual = storage->block_max_residual[i / block_items];
      norm = std::max(norm, storage->int8_norms[i]);
      residual = std::max(residual, storage->int8_residuals[i]);
    }
  } else {
    storage->float_panels.resize(NumPanels(n) * dim * kPanelItems);
    internal::PackFloatPanels(rows.data(), n, dim,
                              storage->float_panels.data());
  }
  if (options.scan_threads > 1 && n >= options.parallel_min_items) {
    storage->pool =
        std::make_unique<internal::ScanPool>(options.scan_threads - 1);
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

// What every part of a scan needs to know about one query.
struct ItemScorer::QueryPlan {
  const float* vector = nullptr;
  int count = 0;
  const uint8_t* excluded = nullptr;
  int capacity = 0;  // collector size (0: count 0, nothing to find)
  // int8 mode.
  const int8_t* quantized = nullptr;
  float scale = 0;
  int32_t offset = 0;
  // int8 exact bound: |x.y - approx| <= ca * |y^|_2 + cb * |y - y^|_2 with
  // y^ the dequantized row: x.y = x^.y^ + (x - x^).y^ + x.(y - y^), so
  // ca = |x - x^|_2 and cb = |x|_2 (Cauchy-Schwarz), each widened to cover
  // float rounding of the approximate and of the exact score.
  float ca = 0;
  float cb = 0;
};

// One part's findings per query: the best `capacity` (float, or int8 with
// a fixed re-score count), or for the int8 bound the best `count` lower
// bounds and the candidates (index, upper bound) not yet ruled out.
struct ItemScorer::PartResult {
  std::vector<std::vector<ScoredItem>> best;
  std::vector<std::vector<ScoredItem>> candidates;
};

void ItemScorer::ScanPart(const std::vector<QueryPlan>& plan, int64_t pa,
                          int64_t pb, PartResult* result) const {
  const int nq = static_cast<int>(plan.size());
  const int64_t n = items();
  const bool bound = options_.int8 && options_.int8_exact;
  std::vector<TopKCollector> collectors;
  collectors.reserve(nq);
  for (const QueryPlan& q : plan) collectors.emplace_back(q.capacity);
  std::vector<std::vector<ScoredItem>> candidates(bound ? nq : 0);
  std::vector<float> floors(nq, -std::numeric_limits<float>::infinity());
  std::vector<size_t> prune_at(nq, 0);
  for (int i = 0; i < nq && bound; ++i) {
    prune_at[i] = 4 * static_cast<size_t>(plan[i].capacity) + 64;
  }
  const int64_t block_panels = ScanBlockPanels(options_.int8, dim_);
  const int64_t block_items = block_panels * kPanelItems;
  std::vector<float> scores(static_cast<size_t>(nq) * block_items);
  std::vector<uint8_t> masks(static_cast<size_t>(nq) * block_panels);
  std::vector<float> thresholds(nq);
  for (int64_t p0 = pa; p0 < pb; p0 += block_panels) {
    const int64_t p1 = std::min(p0 + block_panels, pb);
    // Bars as the block starts (they only rise, so the kernel's masks are
    // a superset of what can enter).
    for (int i = 0; i < nq; ++i) {
      if (bound) {
        const int64_t block = p0 / block_panels;
        thresholds[i] =
            floors[i] - (plan[i].ca * storage_->block_max_norm[block] +
                         plan[i].cb * storage_->block_max_residual[block]);
      } else {
        thresholds[i] = collectors[i].full()
                            ? collectors[i].threshold()
                            : -std::numeric_limits<float>::infinity();
      }
    }
    for (int i0 = 0; i0 < nq; i0 += kMaxQueryTile) {
      const int tile = std::min(kMaxQueryTile, nq - i0);
      float* block_scores =
          scores.data() + static_cast<size_t>(i0) * block_items;
      if (options_.int8) {
        const int8_t* q[kMaxQueryTile];
        float qscales[kMaxQueryTile];
        int32_t qoffsets[kMaxQueryTile];
        for (int t = 0; t < tile; ++t) {
          q[t] = plan[i0 + t].quantized;
          qscales[t] = plan[i0 + t].scale;
          qoffsets[t] = plan[i0 + t].offset;
        }
        internal::ScoreInt8Panels(
            storage_->int8_panels.data(), storage_->int8_scales.data(), dim_,
            p0, p1, q, qscales, qoffsets, tile, block_scores, block_items,
            storage_->use_vnni, thresholds.data() + i0,
            masks.data() + static_cast<size_t>(i0) * block_panels,
            block_panels);
      } else {
        const float* q[kMaxQueryTile];
        for (int t = 0; t < tile; ++t) q[t] = plan[i0 + t].vector;
        internal::ScoreFloatPanels(
            storage_->float_panels.data(), dim_, p0, p1, q, tile, block_scores,
            block_items, thresholds.data() + i0,
            masks.data() + static_cast<size_t>(i0) * block_panels,
            block_panels);
      }
    }
    for (int i = 0; i < nq; ++i) {
      const QueryPlan& q = plan[i];
      if (q.capacity == 0) continue;
      const float* s = scores.data() + static_cast<size_t>(i) * block_items;
      const uint8_t* m = masks.data() + static_cast<size_t>(i) * block_panels;
      if (!bound) {
        SelectMasked(s, m, p0, p1, q.excluded, n, &collectors[i]);
      } else {
        SelectMaskedBound(s, m, p0, p1, q.excluded, n,
                          storage_->int8_norms.data(),
                          storage_->int8_residuals.data(), q.ca, q.cb,
                          &collectors[i], &candidates[i], &floors[i]);
        if (candidates[i].size() >= prune_at[i]) {
          PruneCandidates(floors[i], &candidates[i]);
          prune_at[i] = std::max(prune_at[i], 2 * candidates[i].size());
        }
      }
    }
  }
  result->best.resize(nq);
  for (int i = 0; i < nq; ++i) collectors[i].TakeSorted(&result->best[i]);
  if (bound) {
    for (int i = 0; i < nq; ++i) PruneCandidates(floors[i], &candidates[i]);
    result->candidates = std::move(candidates);
  }
}

void ItemScorer::Scan(absl::Span<const TopKQuery> queries,
                      std::vector<std::vector<ScoredItem>>* out) const {
  const int nq = static_cast<int>(queries.size());
  const int64_t n = items();
  const int64_t panels = NumPanels(n);
  const bool bound = options_.int8 && options_.int8_exact;
  const int dim4 = internal::Int8Dim(dim_);
  std::vector<int8_t> qbytes(options_.int8 ? static_cast<size_t>(nq) * dim4
                                           : 0);
  std::vector<QueryPlan> plan(nq);
  for (int i = 0; i < nq; ++i) {
    const TopKQuery& q = queries[i];
    QueryPlan& p = plan[i];
    p.vector = q.vector.data();
    p.count = q.count;
    p.excluded = q.excluded != nullptr ? q.excluded->bytes() : nullptr;
    const int64_t want =
        options_.int8 && !bound ? std::max(q.count, options_.rescore) : q.count;
    p.capacity = q.count == 0 ? 0 : static_cast<int>(std::min(want, n));
    if (!options_.int8) continue;
    int8_t* bytes = qbytes.data() + static_cast<size_t>(i) * dim4;
    internal::QuantizeQuery(p.vector, dim_, bytes, &p.scale, &p.offset);
    p.quantized = bytes;
    double residual2 = 0, norm2 = 0;
    for (int j = 0; j < dim_; ++j) {
      const double x = p.vector[j];
      const double r = x - static_cast<double>(p.scale) * bytes[j];
      residual2 += r * r;
      norm2 += x * x;
    }
    // Rounding slack: the approximate score is an exact integer dot times
    // two float scales (a few ulps); the exact score is a float FMA chain
    // over dim terms, each |x_j y_j| <= |x|_2 |y|_2 overall (<= dim ulps of
    // |x|_2 |y|_2). 2^-20 * (dim + 8) covers both with a wide margin.
    const double slack = std::ldexp(1.0, -20) * (dim_ + 8) * std::sqrt(norm2);
    p.ca = static_cast<float>((std::sqrt(residual2) + slack) * (1 + 1e-6));
    p.cb = static_cast<float>((std::sqrt(norm2) + slack) * (1 + 1e-6));
  }
  // Split large scans over the pool, in block-aligned parts.
  int parts = 1;
  if (storage_->pool != nullptr && n >= options_.parallel_min_items) {
    parts = storage_->pool->workers() + 1;
  }
  std::vector<PartResult> results(parts);
  if (parts == 1) {
    ScanPart(plan, 0, panels, &results[0]);
  } else {
    // Block-aligned parts (the int8 bound keeps per-block maxima).
    const int64_t block_panels = ScanBlockPanels(options_.int8, dim_);
    const int64_t step = ((panels + parts - 1) / parts + block_panels - 1) /
                         block_panels * block_panels;
    storage_->pool->Run(parts, [&](int part) {
      const int64_t pa = std::min(panels, part * step);
      const int64_t pb = std::min(panels, pa + step);
      ScanPart(plan, pa, pb, &results[part]);
    });
  }
  out->assign(nq, {});
  for (int i = 0; i < nq; ++i) {
    const QueryPlan& q = plan[i];
    std::vector<ScoredItem>& result = (*out)[i];
    if (q.capacity == 0) continue;
    // Merge the parts' best lists (each holds its part's best capacity).
    std::vector<ScoredItem> merged = std::move(results[0].best[i]);
    for (int part = 1; part < parts; ++part) {
      merged.insert(merged.end(), results[part].best[i].begin(),
                    results[part].best[i].end());
    }
    if (parts > 1) std::sort(merged.begin(), merged.end(), ScoredItemBefore);
    if (static_cast<int>(merged.size()) > q.capacity) merged.resize(q.capacity);
    if (!options_.int8) {
      result = std::move(merged);
      continue;
    }
    if (bound) {
      // merged: the best lower bounds; the count-th is the floor every
      // possible member of the exact top count reaches with its upper bound.
      const float floor = static_cast<int>(merged.size()) >= q.count
                              ? merged[q.count - 1].score
                              : -std::numeric_limits<float>::infinity();
      merged.clear();
      for (int part = 0; part < parts; ++part) {
        for (const ScoredItem& c : results[part].candidates[i]) {
          if (c.score >= floor) merged.push_back(c);
        }
      }
    }
    // Exact re-score of the int8 candidates (rows fetched ahead: they are
    // scattered over the row-major copy).
    constexpr size_t kAhead = 8;
    for (size_t k = 0; k < merged.size(); ++k) {
      if (k == 0 || k + kAhead < merged.size()) {
        const size_t from = k == 0 ? 0 : k + kAhead;
        const size_t to = std::min(merged.size(), k + kAhead + 1);
        for (size_t a = from; a < to; ++a) PrefetchRow(merged[a].index);
      }
      merged[k].score = internal::DotFloat(
          q.vector,
          storage_->rows.data() + static_cast<int64_t>(merged[k].index) * dim_,
          dim_);
    }
    std::sort(merged.begin(), merged.end(), ScoredItemBefore);
    if (static_cast<int>(merged.size()) > q.count) merged.resize(q.count);
    result = std::move(merged);
  }
}

void ItemScorer::PrefetchRow(int32_t index) const {
  const char* row = reinterpret_cast<const char*>(
      storage_->rows.data() + static_cast<int64_t>(index) * dim_);
  for (int64_t b = 0; b < int64_t{sizeof(float)} * dim_; b += 64) {
    _mm_prefetch(row + b, _MM_HINT_T0);
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
  return static_cast<int64_t>(
      keys_.capacity() * sizeof(uint64_t) +
      storage_->rows.capacity() * sizeof(float) +
      storage_->float_panels.capacity() * sizeof(float) +
      storage_->int8_panels.capacity() +
      (storage_->int8_scales.capacity() + storage_->int8_norms.capacity() +
       storage_->int8_residuals.capacity()) *
          sizeof(float));
}

}  // namespace tailor::ranker
