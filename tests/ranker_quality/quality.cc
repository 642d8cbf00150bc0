#include "tests/ranker_quality/quality.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/artifacts/segment_io.h"
#include "core/status_macros.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/hybrid_model.h"
#include "ranker/model/popularity.h"
#include "ranker/model/validation_queries.h"
#include "trainer/als/ials_trainer.h"
#include "trainer/marketing/content.h"
#include "trainer/marketing/kmeans.h"
#include "trainer/marketing/segments.h"
#include "trainer/marketing/tfidf.h"

namespace tailor::ranker {
namespace {

constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// Events with begin <= t < end, as a block (timestamps kept, repeats kept).
SparseBlock Slice(const SparseBlock& b, int64_t begin, int64_t end) {
  SparseBlock out;
  out.matrix.rows = b.matrix.rows;
  out.matrix.cols = b.matrix.cols;
  out.matrix.indptr = {0};
  for (int64_t u = 0; u < b.matrix.rows; ++u) {
    for (int64_t e = b.matrix.indptr[u]; e < b.matrix.indptr[u + 1]; ++e) {
      const int64_t t = b.timestamps[e];
      if (t < begin || t >= end) continue;
      out.matrix.indices.push_back(b.matrix.indices[e]);
      out.matrix.data.push_back(1.0f);
      out.timestamps.push_back(t);
    }
    out.matrix.indptr.push_back(
        static_cast<int64_t>(out.matrix.indices.size()));
  }
  return out;
}

// Repeats merged: value = number of events.
CsrMatrix Counts(const CsrMatrix& m) {
  CsrMatrix out;
  out.rows = m.rows;
  out.cols = m.cols;
  out.indptr = {0};
  std::vector<uint32_t> row;
  for (int64_t u = 0; u < m.rows; ++u) {
    row.assign(m.indices.begin() + m.indptr[u],
               m.indices.begin() + m.indptr[u + 1]);
    std::sort(row.begin(), row.end());
    for (size_t e = 0; e < row.size(); ++e) {
      if (e > 0 && row[e] == row[e - 1]) {
        out.data.back() += 1.0f;
      } else {
        out.indices.push_back(row[e]);
        out.data.push_back(1.0f);
      }
    }
    out.indptr.push_back(static_cast<int64_t>(out.indices.size()));
  }
  return out;
}

std::vector<std::string> Countries(const EntityColumns& users) {
  std::vector<std::string> out(users.size());
  const auto& names = users.attribute_names;
  auto it = std::find(names.begin(), names.end(), "country");
  if (it == names.end()) return out;
  const size_t a = it - names.begin();
  for (int64_t u = 0; u < users.size(); ++u) {
    if (u < static_cast<int64_t>(users.attributes.size()) &&
        a < users.attributes[u].size()) {
      out[u] = users.attributes[u][a];
    }
  }
  return out;
}

// The components of a version trained on the events before `train_end`.
absl::StatusOr<std::unique_ptr<HybridModel>> BuildModel(
    const QualityData& d, const Catalogue& catalogue,
    const CsrMatrix& item_vectors, int64_t train_end, const QualityOptions& o) {
  const SparseBlock train = Slice(d.user_major, kNoTime, train_end);
  const CsrMatrix counts = Counts(train.matrix);
  IalsOptions io;
  io.factors = o.factors;
  io.regularization = o.regularization;
  io.alpha = o.alpha;
  io.seed = o.seed;
  io.threads = o.threads;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<IalsTrainer> trainer,
                          IalsTrainer::Create(io, counts));
  for (int i = 0; i < o.iterations; ++i) {
    TAILOR_RETURN_IF_ERROR(trainer->RunEpoch().status());
  }
  HybridModelData m;
  m.algorithm = "ials";
  m.catalogue = catalogue;
  const int64_t n = catalogue.size();
  m.dim = o.factors;
  m.item_factors.assign(n * m.dim, 0.0f);
  m.has_factors.assign(n, 0);
  std::vector<int64_t> item_events(n, 0);
  for (uint32_t c : counts.indices) ++item_events[c];
  for (int64_t i = 0; i < n; ++i) {
    if (item_events[i] == 0) continue;
    m.has_factors[i] = 1;
    const auto row = trainer->item_factors().Row(i);
    std::copy(row.begin(), row.end(), m.item_factors.begin() + i * m.dim);
  }
  // Users with training events: factors, history, K-means segment.
  std::vector<int64_t> known;
  for (int64_t u = 0; u < counts.rows; ++u) {
    if (counts.RowSize(u) > 0) known.push_back(u);
  }
  m.user_factors = FactorTable(static_cast<int64_t>(known.size()), m.dim);
  m.user_history.rows = static_cast<int64_t>(known.size());
  m.user_history.cols = n;
  m.user_history.indptr = {0};
  std::vector<float> points;
  for (size_t j = 0; j < known.size(); ++j) {
    const int64_t u = known[j];
    m.user_factors.keys()[j] = d.users.keys[u];
    const auto row = trainer->user_factors().Row(u);
    std::copy(row.begin(), row.end(), m.user_factors.Row(j));
    points.insert(points.end(), row.begin(), row.end());
    m.user_history_keys.push_back(d.users.keys[u]);
    for (int64_t e = counts.indptr[u]; e < counts.indptr[u + 1]; ++e) {
      m.user_history.indices.push_back(counts.indices[e]);
      m.user_history.data.push_back(counts.data[e]);
    }
    m.user_history.indptr.push_back(
        static_cast<int64_t>(m.user_history.indices.size()));
  }
  m.item_vectors = item_vectors;
  KMeansOptions ko;
  ko.k = std::min<int>(o.segments, static_cast<int>(known.size()));
  ko.seed = o.seed;
  TAILOR_ASSIGN_OR_RETURN(KMeansResult km, RunKMeans(points, m.dim, ko));
  std::vector<int32_t> labels(counts.rows, -1);
  for (size_t j = 0; j < known.size(); ++j) labels[known[j]] = km.labels[j];
  m.affinity = ComputeItemAffinity(labels, ko.k, counts, 10.0);
  m.segments.user_keys = m.user_history_keys;
  m.segments.kmeans = km.labels;
  m.segments.rfm.assign(known.size(), 0);
  for (int s = 0; s < ko.k; ++s) {
    m.segments.kmeans_names.push_back(absl::StrCat("segment ", s));
  }
  m.popularity = ComputePopularity(train, n, Countries(d.users), {}, 1000);
  m.blend.fold_in_regularization = o.regularization;
  m.blend.fold_in_alpha = o.alpha;
  return HybridModel::Create(std::move(m));
}

struct Queries {
  std::vector<BlendQuery> known, new_users, new_items;
  int64_t events = 0;
};

// Validation or test queries: users with events in [begin, end), relevant =
// their items in the window they had not bought before `begin`.
Queries MakeQueries(const QualityData& d, const HybridModel& model,
                    int64_t begin, int64_t end) {
  Queries q;
  const SparseBlock window = Slice(d.user_major, begin, end);
  const std::vector<std::string> countries = Countries(d.users);
  std::vector<HeldOutUser> users;
  for (int64_t u = 0; u < window.matrix.rows; ++u) {
    const int64_t b = window.matrix.indptr[u], e = window.matrix.indptr[u + 1];
    if (b == e) continue;
    q.events += e - b;
    HeldOutUser h;
    h.user_key = d.users.keys[u];
    h.country = countries[u];
    h.first_event_unix_s = window.timestamps[b];
    for (int64_t x = b; x < e; ++x) {
      h.first_event_unix_s =
          std::min(h.first_event_unix_s, window.timestamps[x]);
      h.items.push_back(window.matrix.indices[x]);
    }
    users.push_back(std::move(h));
  }
  const std::vector<uint8_t>& has_factors = model.data().has_factors;
  for (LabeledQuery& l : MakeValidationQueries(model, users)) {
    if (!l.known) {
      q.new_users.push_back(std::move(l.query));
      continue;
    }
    BlendQuery only_new = l.query;
    bool any_new = false;
    for (size_t j = 0; j < l.rows.size(); ++j) {
      only_new.relevant[j] = l.query.relevant[j] && !has_factors[l.rows[j]];
      any_new = any_new || only_new.relevant[j];
    }
    if (any_new) q.new_items.push_back(std::move(only_new));
    q.known.push_back(std::move(l.query));
  }
  return q;
}

std::vector<BlendQuery> Concat(std::vector<BlendQuery> a,
                               const std::vector<BlendQuery>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

absl::StatusOr<QualityData> LoadQualityData(FileSystem* fs,
                                            const std::string& dir) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> ds, Dataset::Open(fs, dir));
  QualityData d;
  d.users = ds->users();
  d.items = ds->items();
  TAILOR_ASSIGN_OR_RETURN(d.user_major, ds->LoadUserMajor());
  return d;
}

absl::StatusOr<QualityReport> RunQuality(const QualityData& d,
                                         const QualityOptions& o) {
  const absl::Time start = absl::Now();
  if (d.user_major.timestamps.size() != d.user_major.matrix.indices.size()) {
    return absl::InvalidArgumentError(
        "the quality table needs a dataset with timestamps");
  }
  if (!(o.validation_start_unix_s < o.cutoff_unix_s)) {
    return absl::InvalidArgumentError(
        "the validation start must come before the cut-off");
  }
  TAILOR_ASSIGN_OR_RETURN(Catalogue catalogue, CatalogueFromItems(d.items, {}));
  ContentOptions co;
  co.tfidf.stop_words = EnglishStopWords();
  TAILOR_ASSIGN_OR_RETURN(ItemContent content, BuildItemContent(d.items, co));
  const CsrMatrix& vectors = content.tfidf.vectors;

  QualityReport report;
  const BlendWeights cf_only = [] {
    BlendWeights b;
    b.weights = {1, 0, 0, 0, 0};
    return b;
  }();
  // Validation: components from the events before the validation month.
  BlendWeights learned;
  {
    TAILOR_ASSIGN_OR_RETURN(
        std::unique_ptr<HybridModel> model,
        BuildModel(d, catalogue, vectors, o.validation_start_unix_s, o));
    Queries v =
        MakeQueries(d, *model, o.validation_start_unix_s, o.cutoff_unix_s);
    const std::vector<BlendQuery> all = Concat(v.known, v.new_users);
    if (all.empty()) {
      return absl::InvalidArgumentError("no validation users");
    }
    BlendLearnOptions lo;
    lo.k = o.k;
    learned = LearnBlend(all, BlendWeights(), lo);
    report.validation_cf = Evaluate(all, cf_only.weights, o.k);
    report.validation_hybrid = Evaluate(all, learned.weights, o.k);
  }
  learned.fold_in_regularization = o.regularization;
  learned.fold_in_alpha = o.alpha;
  report.blend = learned;
  // Test: components from every event before the cut-off.
  TAILOR_ASSIGN_OR_RETURN(
      std::unique_ptr<HybridModel> model,
      BuildModel(d, catalogue, vectors, o.cutoff_unix_s, o));
  Queries t = MakeQueries(d, *model, o.cutoff_unix_s,
                          std::numeric_limits<int64_t>::max());
  if (t.known.empty() && t.new_users.empty()) {
    return absl::InvalidArgumentError("no test users after the cut-off");
  }
  report.test_events = t.events;
  report.train_events = static_cast<int64_t>(
      Slice(d.user_major, kNoTime, o.cutoff_unix_s).matrix.indices.size());
  for (uint8_t h : model->data().has_factors) report.new_items += h ? 0 : 1;
  report.new_users = static_cast<int64_t>(t.new_users.size());
  auto row = [&](const char* part, const std::vector<BlendQuery>& qs) {
    report.rows.push_back({part, Evaluate(qs, cf_only.weights, o.k),
                           Evaluate(qs, learned.weights, o.k)});
  };
  row("all", Concat(t.known, t.new_users));
  row("known_users", t.known);
  row("new_items", t.new_items);
  row("new_users", t.new_users);
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

std::string FormatQualityTable(const QualityReport& r) {
  std::string out = absl::StrFormat("%-12s %7s  %12s %12s  %12s %12s\n", "part",
                                    "users", "CF recall@20", "CF ndcg@20",
                                    "hybrid rec@20", "hybrid ndcg@20");
  for (const QualityRow& row : r.rows) {
    absl::StrAppendFormat(&out, "%-12s %7d  %12.4f %12.4f  %12.4f %12.4f\n",
                          row.part, row.hybrid.queries, row.cf.recall,
                          row.cf.ndcg, row.hybrid.recall, row.hybrid.ndcg);
  }
  absl::StrAppend(&out, "blend weights (", r.blend.method, "):");
  for (int c = 0; c < kComponents; ++c) {
    absl::StrAppendFormat(&out, " %s=%g", ComponentName(c), r.blend.weights[c]);
  }
  absl::StrAppendFormat(
      &out,
      "\nvalidation ndcg@20: CF %.4f -> hybrid %.4f; %d train / %d test "
      "events, %d items without training events, %.1f s\n",
      r.validation_cf.ndcg, r.validation_hybrid.ndcg, r.train_events,
      r.test_events, r.new_items, r.seconds);
  return out;
}

nlohmann::json QualityToJson(const QualityReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const QualityRow& row : r.rows) {
    rows.push_back({{"part", row.part},
                    {"users", row.hybrid.queries},
                    {"cf_recall@20", row.cf.recall},
                    {"cf_ndcg@20", row.cf.ndcg},
                    {"hybrid_recall@20", row.hybrid.recall},
                    {"hybrid_ndcg@20", row.hybrid.ndcg}});
  }
  return {{"rows", rows},
          {"blend", BlendToJson(r.blend)},
          {"validation_cf_ndcg", r.validation_cf.ndcg},
          {"validation_hybrid_ndcg", r.validation_hybrid.ndcg},
          {"train_events", r.train_events},
          {"test_events", r.test_events},
          {"items_without_training_events", r.new_items},
          {"seconds", r.seconds}};
}

}  // namespace tailor::ranker
