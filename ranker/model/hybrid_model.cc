#include "ranker/model/hybrid_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/key_hash.h"
#include "core/status_macros.h"
#include "ranker/model/mmr.h"
#include "ranker/model/popularity.h"

namespace tailor::ranker {
namespace {

using Profile = std::vector<std::pair<uint32_t, float>>;

// Sparse dot product of a CSR row with a profile sorted by term.
float SparseDot(const CsrMatrix& m, int64_t row, const Profile& profile) {
  float s = 0;
  int64_t e = m.indptr[row];
  const int64_t end = m.indptr[row + 1];
  size_t p = 0;
  while (e < end && p < profile.size()) {
    if (m.indices[e] < profile[p].first) {
      ++e;
    } else if (m.indices[e] > profile[p].first) {
      ++p;
    } else {
      s += m.data[e] * profile[p].second;
      ++e;
      ++p;
    }
  }
  return s;
}

// Dot product of two dim-float rows in 8 independent lanes, so the compiler
// can keep it in vector registers (a single running sum cannot be
// reordered without -ffast-math).
float Dot(const float* a, const float* b, int dim) {
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= dim; k += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += a[k + l] * b[k + l];
  }
  float s = 0;
  for (; k < dim; ++k) s += a[k] * b[k];
  for (int l = 0; l < 8; ++l) s += lanes[l];
  return s;
}

float SparseRowDot(const CsrMatrix& m, int64_t a, int64_t b) {
  Profile pb;
  for (int64_t e = m.indptr[b]; e < m.indptr[b + 1]; ++e) {
    pb.push_back({m.indices[e], m.data[e]});
  }
  return SparseDot(m, a, pb);
}

// Adds `weight` times row `row` of `m` to `acc`.
void AddRow(const CsrMatrix& m, int64_t row, float weight,
            absl::flat_hash_map<uint32_t, float>* acc) {
  for (int64_t e = m.indptr[row]; e < m.indptr[row + 1]; ++e) {
    (*acc)[m.indices[e]] += weight * m.data[e];
  }
}

int64_t FindKey(const std::vector<uint64_t>& keys, uint64_t key) {
  auto it = std::lower_bound(keys.begin(), keys.end(), key);
  return it != keys.end() && *it == key ? it - keys.begin() : -1;
}

absl::Status CheckCall(const RankCall& call, absl::string_view stage) {
  if (call.cancelled && call.cancelled()) {
    return absl::CancelledError(absl::StrCat("cancelled during ", stage));
  }
  if (absl::Now() > call.deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat("deadline passed during ", stage));
  }
  return absl::OkStatus();
}

tailor::v1::ReasonCode ReasonOf(const Features& f, const BlendWeights& b,
                                bool has_recent) {
  int best = -1;
  float best_value = 0;
  for (int c = 0; c < kComponents; ++c) {
    const float v = b.weights[c] * f[c];
    if (v > best_value) {
      best = c;
      best_value = v;
    }
  }
  switch (best) {
    case kCf:
      return tailor::v1::REASON_CODE_SIMILAR_USERS;
    case kContent:
      return has_recent ? tailor::v1::REASON_CODE_RECENT_ACTIVITY
                        : tailor::v1::REASON_CODE_SIMILAR_CONTENT;
    case kSegment:
      return tailor::v1::REASON_CODE_SEGMENT_AFFINITY;
    case kContext:
      return tailor::v1::REASON_CODE_CONTEXT;
    default:
      return tailor::v1::REASON_CODE_POPULAR;
  }
}

}  // namespace

struct HybridModel::Scratch {
  std::vector<float> item_score;   // by catalogue row, all zero when free
  std::vector<uint8_t> item_seen;  // by catalogue row, all zero when free
  std::vector<float> term_weight;  // by content term, all zero when free
};

std::unique_ptr<HybridModel::Scratch> HybridModel::AcquireScratch() const {
  {
    absl::MutexLock lock(&scratch_mu_);
    if (!free_scratch_.empty()) {
      std::unique_ptr<Scratch> s = std::move(free_scratch_.back());
      free_scratch_.pop_back();
      return s;
    }
  }
  auto s = std::make_unique<Scratch>();
  s->item_score.assign(data_.catalogue.size(), 0.0f);
  s->item_seen.assign(data_.catalogue.size(), 0);
  s->term_weight.assign(std::max<int64_t>(data_.item_vectors.cols, 0), 0.0f);
  return s;
}

void HybridModel::ReleaseScratch(std::unique_ptr<Scratch> scratch) const {
  absl::MutexLock lock(&scratch_mu_);
  free_scratch_.push_back(std::move(scratch));
}

HybridModel::~HybridModel() = default;

HybridModel::HybridModel(HybridModelData data, ModelIndexes indexes,
                         std::unique_ptr<FoldInSolver> fold_in,
                         std::shared_ptr<const ItemScorer> scorer,
                         std::unique_ptr<MicroBatcher> batcher)
    : data_(std::move(data)),
      indexes_(std::move(indexes)),
      fold_in_(std::move(fold_in)),
      scorer_(std::move(scorer)),
      batcher_(std::move(batcher)) {
  memory_bytes_ = ::tailor::ranker::MemoryBytes(data_, indexes_) +
                  (scorer_ != nullptr ? scorer_->MemoryBytes() : 0);
}

absl::StatusOr<std::unique_ptr<HybridModel>> HybridModel::Create(
    HybridModelData data, const HybridModelOptions& options) {
  TAILOR_ASSIGN_OR_RETURN(ModelIndexes indexes, BuildIndexes(data));
  std::unique_ptr<FoldInSolver> fold_in;
  if (data.dim > 0 && data.catalogue.size() > 0) {
    FoldInOptions o;
    o.regularization = data.blend.fold_in_regularization;
    o.alpha = data.blend.fold_in_alpha;
    o.alpha0 = data.blend.fold_in_alpha0;
    TAILOR_ASSIGN_OR_RETURN(
        fold_in, FoldInSolver::Create(o, data.item_factors.data(),
                                      data.catalogue.size(), data.dim));
  }
  std::shared_ptr<const ItemScorer> scorer;
  std::unique_ptr<MicroBatcher> batcher;
  if (data.dim > 0 && data.catalogue.size() > kExhaustiveItems) {
    ItemScorerOptions so;
    so.int8 = options.int8;
    so.int8_exact = true;
    so.scan_threads = std::max(options.scan_threads, 1);
    so.parallel_min_items = options.scan_parallel_min_items;
    TAILOR_ASSIGN_OR_RETURN(
        std::unique_ptr<ItemScorer> s,
        ItemScorer::Create(data.catalogue.keys,
                           absl::MakeConstSpan(data.item_factors), data.dim,
                           so));
    scorer = std::move(s);
    if (options.micro_batch) {
      TAILOR_ASSIGN_OR_RETURN(batcher,
                              MicroBatcher::Create(scorer, options.batcher));
    }
  }
  return std::unique_ptr<HybridModel>(
      new HybridModel(std::move(data), std::move(indexes), std::move(fold_in),
                      std::move(scorer), std::move(batcher)));
}

int64_t HybridModel::users() const {
  return std::max<int64_t>(
      {data_.user_factors.rows(),
       static_cast<int64_t>(data_.user_history_keys.size()),
       static_cast<int64_t>(data_.segments.user_keys.size())});
}

absl::StatusOr<UserState> HybridModel::Prepare(const UserInput& in) const {
  UserState u;
  absl::flat_hash_map<uint32_t, float> profile;
  std::vector<int64_t> seen;
  const CsrMatrix& vectors = data_.item_vectors;
  if (in.user_key.has_value()) {
    const uint64_t key = *in.user_key;
    const int64_t f = data_.user_factors.FindRow(key);
    if (f >= 0) {
      const float* row = data_.user_factors.Row(f);
      u.factors.assign(row, row + data_.dim);
      u.known = true;
    }
    if (int64_t h = FindKey(data_.user_history_keys, key); h >= 0) {
      u.known = true;
      const CsrMatrix& m = data_.user_history;
      const bool own_profile = FindKey(data_.user_profile_keys, key) >= 0;
      for (int64_t e = m.indptr[h]; e < m.indptr[h + 1]; ++e) {
        seen.push_back(m.indices[e]);
        if (!own_profile && vectors.rows > 0) {
          AddRow(vectors, m.indices[e], std::log1p(m.data[e]), &profile);
        }
      }
    }
    if (int64_t p = FindKey(data_.user_profile_keys, key); p >= 0) {
      u.known = true;
      AddRow(data_.user_profiles, p, 1.0f, &profile);
    }
    if (int64_t s = FindKey(data_.segments.user_keys, key); s >= 0) {
      u.known = true;
      if (data_.segments.kmeans[s] < data_.affinity.segments) {
        u.segment = data_.segments.kmeans[s];
      }
    }
  }
  // Recent interactions: merged by row; they refine the content profile and
  // fold in users without stored factors.
  absl::flat_hash_map<int64_t, float> recent;
  for (const auto& [row, weight] : in.recent) {
    if (row < 0 || row >= data_.catalogue.size()) continue;
    recent[row] += weight > 0 ? weight : 1.0f;
  }
  u.has_recent = !recent.empty();
  std::vector<int64_t> fold_rows;
  std::vector<float> fold_values;
  for (const auto& [row, weight] : recent) {
    seen.push_back(row);
    if (vectors.rows > 0) AddRow(vectors, row, 2.0f * weight, &profile);
    if (data_.has_factors[row]) {
      fold_rows.push_back(row);
      fold_values.push_back(weight);
    }
  }
  if (u.factors.empty() && !fold_rows.empty() && fold_in_ != nullptr) {
    // Sorted so the solve does not depend on hash order.
    std::vector<size_t> order(fold_rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return fold_rows[a] < fold_rows[b]; });
    std::vector<int64_t> r;
    std::vector<float> v;
    for (size_t i : order) {
      r.push_back(fold_rows[i]);
      v.push_back(fold_values[i]);
    }
    TAILOR_ASSIGN_OR_RETURN(u.factors, fold_in_->Solve(r, v));
  }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  u.seen = std::move(seen);
  // The profile: the kProfileTerms largest weights, unit norm, by term.
  Profile p(profile.begin(), profile.end());
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (p.size() > kProfileTerms) p.resize(kProfileTerms);
  double norm = 0;
  for (const auto& [t, w] : p) norm += static_cast<double>(w) * w;
  if (norm > 0) {
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& [t, w] : p) w *= inv;
    std::sort(p.begin(), p.end());
    u.profile = std::move(p);
  }
  const tailor::v1::RankContext& c = in.context;
  u.country = c.country();
  u.channel = c.channel();
  const int64_t ms = c.timestamp_unix_ms() != 0
                         ? c.timestamp_unix_ms()
                         : absl::ToUnixMillis(absl::Now());
  u.hour = HourOfDay(ms);
  return u;
}

void HybridModel::ComputeFeatures(const UserState& u,
                                  absl::Span<const int64_t> rows,
                                  std::vector<Features>* out) const {
  out->assign(rows.size(), Features{});
  const float* items = data_.item_factors.data();
  const int dim = data_.dim;
  const bool cf = !u.factors.empty();
  const bool content = !u.profile.empty() && data_.item_vectors.rows > 0;
  const bool segment = u.segment >= 0 && u.segment < data_.affinity.segments;
  const float log_max_pop = std::log1p(data_.popularity.max_item_events);
  // The context features present in both the request and the model.
  struct Ctx {
    const absl::flat_hash_map<int64_t, float>* events;
    float log_max;
  };
  std::vector<Ctx> ctx;
  for (const auto& [feature, value] :
       {std::pair<const char*, const std::string*>{"country", &u.country},
        {"hour", &u.hour},
        {"channel", &u.channel}}) {
    if (value->empty()) continue;
    auto f = indexes_.context_events.find(feature);
    if (f == indexes_.context_events.end()) continue;
    auto v = f->second.find(*value);
    if (v == f->second.end()) continue;
    const float log_max = indexes_.context_log_max.at(feature).at(*value);
    if (log_max > 0) ctx.push_back({&v->second, log_max});
  }
  // The features learned from past events (segment lift, context and
  // overall popularity) of an item that has events.
  auto segment_of = [&](int64_t r) {
    if (!indexes_.segment_evidence[r]) return 0.0f;  // no evidence: neutral
    const CsrMatrix& l = data_.affinity.lift;
    const auto begin = l.indices.begin() + l.indptr[u.segment];
    const auto end = l.indices.begin() + l.indptr[u.segment + 1];
    auto it = std::lower_bound(begin, end, static_cast<uint32_t>(r));
    const float lift = it != end && *it == r
                           ? l.data[it - l.indices.begin()]
                           : data_.affinity.default_lift[u.segment];
    return std::clamp(std::log(std::max(lift, 1e-6f)), -3.0f, 3.0f);
  };
  auto context_of = [&](int64_t r) {
    float s = 0;
    for (const Ctx& c : ctx) {
      auto it = c.events->find(r);
      if (it != c.events->end()) s += std::log1p(it->second) / c.log_max;
    }
    return s / static_cast<float>(ctx.size());
  };
  auto popularity_of = [&](int64_t r) {
    return std::log1p(data_.popularity.item_events[r]) / log_max_pop;
  };
  // The profile as a dense array by term, so an item's content score is a
  // pass over its own terms (the same products, summed in the same term
  // order as SparseDot's merge).
  std::unique_ptr<Scratch> scratch;
  const float* term_weight = nullptr;
  if (content) {
    scratch = AcquireScratch();
    for (const auto& [t, w] : u.profile) {
      if (t < scratch->term_weight.size()) scratch->term_weight[t] = w;
    }
    term_weight = scratch->term_weight.data();
  }
  const CsrMatrix& vectors = data_.item_vectors;
  for (size_t j = 0; j < rows.size(); ++j) {
    const int64_t r = rows[j];
    Features& f = (*out)[j];
    if (content) {
      float s = 0;
      for (int64_t e = vectors.indptr[r]; e < vectors.indptr[r + 1]; ++e) {
        const float w = term_weight[vectors.indices[e]];
        if (w != 0.0f) s += vectors.data[e] * w;
      }
      f[kContent] = s;
    }
    if (data_.has_factors[r]) {
      if (cf) {
        f[kCf] = Dot(u.factors.data(), items + r * dim, dim);
      }
    } else if (auto from = indexes_.imputed_from.find(r);
               from != indexes_.imputed_from.end()) {
      // An item without factors (first sold after training): the CF score
      // of its content-imputed factors counts as content, and when it has no
      // events at all, every feature learned from events is imputed from its
      // content neighbours too.
      if (cf) {
        f[kContent] +=
            Dot(u.factors.data(), indexes_.imputed_factors.at(r).data(), dim);
      }
      if (data_.popularity.item_events[r] == 0) {
        for (const auto& [n, w] : from->second) {
          if (segment) f[kSegment] += w * segment_of(n);
          if (!ctx.empty()) f[kContext] += w * context_of(n);
          if (log_max_pop > 0) f[kPopularity] += w * popularity_of(n);
        }
        continue;
      }
    }
    if (segment) f[kSegment] = segment_of(r);
    if (!ctx.empty()) f[kContext] = context_of(r);
    if (log_max_pop > 0) f[kPopularity] = popularity_of(r);
  }
  if (scratch != nullptr) {
    for (const auto& [t, w] : u.profile) {
      if (t < scratch->term_weight.size()) scratch->term_weight[t] = 0.0f;
    }
    ReleaseScratch(std::move(scratch));
  }
}

std::vector<int64_t> HybridModel::Candidates(
    const UserState& u, int per_list, const ExclusionSet* excluded) const {
  const int64_t n = data_.catalogue.size();
  std::vector<int64_t> out;
  if (n <= kExhaustiveItems) {
    out.resize(n);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  auto top_of = [&](std::vector<std::pair<float, int64_t>>* scored) {
    const size_t k = std::min<size_t>(per_list, scored->size());
    std::partial_sort(scored->begin(), scored->begin() + k, scored->end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first
                                                  : a.second < b.second;
                      });
    for (size_t i = 0; i < k; ++i) out.push_back((*scored)[i].second);
  };
  if (!u.factors.empty() && scorer_ != nullptr) {
    // Exact (or int8 + exact re-score) CF top-N, filters inside the scan.
    std::vector<ScoredItem> top;
    const absl::Status s =
        batcher_ != nullptr
            ? batcher_->TopK(u.factors, per_list, excluded, &top)
            : scorer_->TopK(u.factors, per_list, excluded, {}, &top);
    if (s.ok()) {
      for (const ScoredItem& t : top) out.push_back(t.index);
    }
  }
  if (!u.profile.empty() && !indexes_.postings.empty()) {
    // Content neighbours: scores accumulated in a dense per-item array
    // (same sums, in the same order, as a map from row to score).
    std::unique_ptr<Scratch> scratch = AcquireScratch();
    std::vector<float>& acc = scratch->item_score;
    std::vector<uint8_t>& touched_mark = scratch->item_seen;
    std::vector<int64_t> touched;
    for (const auto& [term, w] : u.profile) {
      if (term >= indexes_.postings.size()) continue;
      for (const auto& [row, v] : indexes_.postings[term]) {
        if (!touched_mark[row]) {
          touched_mark[row] = 1;
          touched.push_back(row);
        }
        acc[row] += w * v;
      }
    }
    std::vector<std::pair<float, int64_t>> scored;
    scored.reserve(touched.size());
    for (int64_t row : touched) {
      scored.push_back({acc[row], row});
      acc[row] = 0.0f;
      touched_mark[row] = 0;
    }
    ReleaseScratch(std::move(scratch));
    top_of(&scored);
  }
  if (u.segment >= 0 &&
      u.segment < static_cast<int>(indexes_.segment_top.size())) {
    const auto& l = indexes_.segment_top[u.segment];
    out.insert(out.end(), l.begin(),
               l.begin() + std::min<size_t>(per_list, l.size()));
  }
  for (const auto& [feature, value] :
       {std::pair<const char*, const std::string*>{"country", &u.country},
        {"hour", &u.hour},
        {"channel", &u.channel}}) {
    if (const ContextCounts* c = data_.popularity.Find(feature, *value)) {
      for (size_t i = 0;
           i < c->items.size() && i < static_cast<size_t>(per_list); ++i) {
        out.push_back(c->items[i].first);
      }
    }
  }
  const auto& pop = indexes_.popular_top;
  out.insert(out.end(), pop.begin(),
             pop.begin() + std::min<size_t>(per_list, pop.size()));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<tailor::v1::RankResponse> HybridModel::Rank(
    const tailor::v1::RankRequest& request, const RankCall& call) const {
  const Catalogue& cat = data_.catalogue;
  auto row_of_id = [&](const std::string& id) -> int64_t {
    auto it = indexes_.id_to_row.find(id);
    return it == indexes_.id_to_row.end() ? -1 : it->second;
  };
  UserInput in;
  if (request.user_case() == tailor::v1::RankRequest::kUserKey) {
    in.user_key = request.user_key();
  } else if (request.user_case() == tailor::v1::RankRequest::kUserId) {
    in.user_key = KeyHasher::Public().UserKey(request.user_id());
  }
  for (const auto& r : request.recent_interactions()) {
    const int64_t row = r.item_case() == tailor::v1::RecentInteraction::kItemKey
                            ? cat.Find(r.item_key())
                            : row_of_id(r.item_id());
    if (row >= 0) in.recent.push_back({row, r.weight()});
  }
  in.context = request.context();
  // Stage clock for the optional trace (a few clock reads per call).
  int64_t stage_ns = absl::GetCurrentTimeNanos();
  auto lap_us = [&stage_ns]() {
    const int64_t now = absl::GetCurrentTimeNanos();
    const int64_t us = (now - stage_ns) / 1000;
    stage_ns = now;
    return us;
  };
  RankTrace trace;
  TAILOR_ASSIGN_OR_RETURN(UserState user, Prepare(in));
  trace.user_us = lap_us();
  TAILOR_RETURN_IF_ERROR(CheckCall(call, "user resolution"));

  const int64_t count = request.count() == 0 ? 10 : request.count();
  tailor::v1::RankResponse response;
  std::vector<int64_t> rows;
  if (request.candidate_item_ids_size() > 0) {
    uint32_t unknown = 0;
    for (const std::string& id : request.candidate_item_ids()) {
      const int64_t row = row_of_id(id);
      if (row < 0) {
        ++unknown;
      } else {
        rows.push_back(row);
      }
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    response.set_unknown_candidates(unknown);
  }

  // Filters.
  const tailor::v1::RankFilters& flt = request.filters();
  absl::flat_hash_set<int64_t> excluded;
  for (const std::string& id : flt.exclude_item_ids()) {
    if (int64_t r = row_of_id(id); r >= 0) excluded.insert(r);
  }
  for (uint64_t key : flt.exclude_item_keys()) {
    if (int64_t r = cat.Find(key); r >= 0) excluded.insert(r);
  }
  if (flt.exclude_seen()) excluded.insert(user.seen.begin(), user.seen.end());
  auto category_index = [&](const std::string& name) -> int64_t {
    auto it = std::lower_bound(cat.category_names.begin(),
                               cat.category_names.end(), name);
    return it != cat.category_names.end() && *it == name
               ? it - cat.category_names.begin()
               : -1;
  };
  std::vector<int64_t> include_cats, exclude_cats;
  for (const auto& c : flt.include_categories()) {
    include_cats.push_back(category_index(c));
  }
  for (const auto& c : flt.exclude_categories()) {
    if (int64_t i = category_index(c); i >= 0) exclude_cats.push_back(i);
  }
  auto has_category = [&](int64_t row, const std::vector<int64_t>& set) {
    for (int64_t e = cat.category_indptr[row]; e < cat.category_indptr[row + 1];
         ++e) {
      if (std::find(set.begin(), set.end(), cat.categories[e]) != set.end()) {
        return true;
      }
    }
    return false;
  };
  const bool price_filter = flt.has_min_price() || flt.has_max_price();
  auto allowed = [&](int64_t r) {
    if (excluded.contains(r)) return false;
    if (!include_cats.empty() && !has_category(r, include_cats)) return false;
    if (!exclude_cats.empty() && has_category(r, exclude_cats)) return false;
    if (price_filter) {
      const float p = cat.prices[r];
      if (std::isnan(p)) return false;
      if (flt.has_min_price() && p < flt.min_price()) return false;
      if (flt.has_max_price() && p > flt.max_price()) return false;
    }
    return true;
  };
  if (request.candidate_item_ids_size() == 0) {
    std::optional<ExclusionSet> scan_excluded;
    if (scorer_ != nullptr && !excluded.empty()) {
      scan_excluded.emplace(cat.size());
      for (int64_t r : excluded) scan_excluded->Add(r);
    }
    rows = Candidates(user, static_cast<int>(std::max<int64_t>(200, 2 * count)),
                      scan_excluded ? &*scan_excluded : nullptr);
  }
  trace.retrieval_us = lap_us();
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](int64_t r) { return !allowed(r); }),
             rows.end());
  trace.filter_us = lap_us();
  trace.candidates = static_cast<int64_t>(rows.size());
  TAILOR_RETURN_IF_ERROR(CheckCall(call, "candidate retrieval"));

  std::vector<Features> features;
  ComputeFeatures(user, rows, &features);
  trace.features_us = lap_us();
  std::vector<float> scores(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    scores[j] = data_.blend.Blend(features[j]);
  }
  std::vector<int64_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  const float diversity = request.diversity();
  const int64_t pool = std::min<int64_t>(
      rows.size(),
      diversity > 0 ? std::max<int64_t>(3 * count, count + 50) : count);
  std::partial_sort(order.begin(), order.begin() + pool, order.end(),
                    [&](int64_t a, int64_t b) {
                      return scores[a] != scores[b] ? scores[a] > scores[b]
                                                    : rows[a] < rows[b];
                    });
  order.resize(pool);
  TAILOR_RETURN_IF_ERROR(CheckCall(call, "scoring"));
  if (diversity > 0 && pool > 1) {
    std::vector<float> pool_scores(pool);
    for (int64_t i = 0; i < pool; ++i) pool_scores[i] = scores[order[i]];
    const CsrMatrix& v = data_.item_vectors;
    auto similarity = [&](int64_t a, int64_t b) -> float {
      const int64_t ra = rows[order[a]], rb = rows[order[b]];
      if (v.rows > 0) return SparseRowDot(v, ra, rb);
      return 0.0f;
    };
    std::vector<int64_t> mmr =
        MmrOrder(pool_scores, similarity, count, std::min(diversity, 1.0f));
    std::vector<int64_t> reordered;
    for (int64_t i : mmr) reordered.push_back(order[i]);
    order = std::move(reordered);
  }
  if (static_cast<int64_t>(order.size()) > count) order.resize(count);
  trace.blend_us = lap_us();
  for (int64_t j : order) {
    const int64_t r = rows[j];
    tailor::v1::RankedItem* item = response.add_items();
    item->set_item_key(cat.keys[r]);
    item->set_item_id(cat.ids[r]);
    item->set_score(scores[j]);
    item->set_reason(ReasonOf(features[j], data_.blend, user.has_recent));
    if (request.explain()) {
      tailor::v1::ComponentScores* c = item->mutable_components();
      c->set_cf(features[j][kCf]);
      c->set_content(features[j][kContent]);
      c->set_segment(features[j][kSegment]);
      c->set_context(features[j][kContext]);
      c->set_popularity(features[j][kPopularity]);
    }
  }
  if (user.segment >= 0 &&
      user.segment < static_cast<int>(data_.segments.kmeans_names.size())) {
    response.set_user_segment(data_.segments.kmeans_names[user.segment]);
  }
  response.set_cold_start(!user.known);
  trace.response_us = lap_us();
  if (call.trace != nullptr) *call.trace = trace;
  return response;
}

}  // namespace tailor::ranker
