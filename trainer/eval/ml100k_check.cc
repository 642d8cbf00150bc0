// Reference figures on MovieLens 100K under the published protocols
// (docs/evaluation.md): Surprise 5-fold RMSE/MAE for user/item kNN,
// Microsoft Recommenders 75/25 top-10 metrics for popularity and item/user
// kNN, NCF-style leave-one-out for popularity.
// Usage: ml100k_check [path/to/u.data.gz] [seed]
// Prints one JSON object per line (and a readable table on stderr).

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/csr_matrix.h"
#include "core/status_macros.h"
#include "trainer/eval/evaluate.h"
#include "trainer/eval/kfold_split.h"
#include "trainer/eval/leave_one_out_split.h"
#include "trainer/eval/ranking.h"
#include "trainer/eval/stratified_split.h"
#include "trainer/eval/strong_generalization_split.h"
#include "trainer/eval/temporal_split.h"
#include "trainer/knn/knn_model.h"
#include "trainer/knn/popularity.h"

namespace tailor {
namespace {

struct Data {
  CsrMatrix ratings;
  std::vector<int64_t> timestamps;
};

// Tab-separated "user item rating timestamp", 1-based ids.
absl::StatusOr<Data> Load(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError("cannot open " + path);
  struct Row {
    uint32_t u, i;
    float r;
    int64_t t;
  };
  std::vector<Row> rows;
  char line[256];
  int64_t line_no = 0;
  uint32_t max_u = 0, max_i = 0;
  while (gzgets(f, line, sizeof(line)) != nullptr) {
    ++line_no;
    std::vector<absl::string_view> parts =
        absl::StrSplit(absl::StripAsciiWhitespace(line), '\t');
    Row row;
    int64_t u, i;
    double r;
    if (parts.size() != 4 || !absl::SimpleAtoi(parts[0], &u) ||
        !absl::SimpleAtoi(parts[1], &i) || !absl::SimpleAtod(parts[2], &r) ||
        !absl::SimpleAtoi(parts[3], &row.t) || u < 1 || i < 1) {
      gzclose(f);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no,
                       ": expected 4 tab-separated "
                       "numbers (user item rating timestamp)"));
    }
    row.u = static_cast<uint32_t>(u - 1);
    row.i = static_cast<uint32_t>(i - 1);
    row.r = static_cast<float>(r);
    max_u = std::max(max_u, row.u);
    max_i = std::max(max_i, row.i);
    rows.push_back(row);
  }
  gzclose(f);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.u, a.i) < std::tie(b.u, b.i);
  });
  Data d;
  d.ratings.rows = max_u + 1;
  d.ratings.cols = max_i + 1;
  d.ratings.indptr.assign(max_u + 2, 0);
  for (const Row& row : rows) {
    ++d.ratings.indptr[row.u + 1];
    d.ratings.indices.push_back(row.i);
    d.ratings.data.push_back(row.r);
    d.timestamps.push_back(row.t);
  }
  for (uint32_t u = 0; u <= max_u; ++u) {
    d.ratings.indptr[u + 1] += d.ratings.indptr[u];
  }
  TAILOR_RETURN_IF_ERROR(ValidateCsr(d.ratings));
  return d;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void PrintJson(const std::string& protocol, const std::string& algorithm,
               const std::map<std::string, double>& metrics, double seconds) {
  std::string line = absl::StrCat("{\"protocol\": \"", protocol,
                                  "\", \"algorithm\": \"", algorithm, "\"");
  for (const auto& [name, value] : metrics) {
    absl::StrAppend(&line, ", \"", name, "\": ", value);
  }
  absl::StrAppend(&line, ", \"seconds\": ", seconds, "}");
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

struct KnnConfig {
  std::string name;
  bool user_based;
  SimilarityMetric metric;
  RatingPredictor predictor;
};

absl::Status SurpriseCv(const Data& d, uint64_t seed) {
  KFoldOptions kfold;
  kfold.seed = seed;
  TAILOR_ASSIGN_OR_RETURN(std::vector<Split> folds,
                          KFoldSplit(d.ratings, d.timestamps, kfold));
  const std::vector<KnnConfig> configs = {
      {"user_knn_basic_msd", true, SimilarityMetric::kMsd,
       RatingPredictor::kBasic},
      {"user_knn_means_msd", true, SimilarityMetric::kMsd,
       RatingPredictor::kWithMeans},
      {"user_knn_baseline_msd", true, SimilarityMetric::kMsd,
       RatingPredictor::kWithBaseline},
      {"user_knn_basic_cosine", true, SimilarityMetric::kCosineCoRated,
       RatingPredictor::kBasic},
      {"user_knn_basic_pearson", true, SimilarityMetric::kPearson,
       RatingPredictor::kBasic},
      {"user_knn_means_pearson", true, SimilarityMetric::kPearson,
       RatingPredictor::kWithMeans},
      {"item_knn_basic_msd", false, SimilarityMetric::kMsd,
       RatingPredictor::kBasic},
      {"item_knn_means_msd", false, SimilarityMetric::kMsd,
       RatingPredictor::kWithMeans},
      {"item_knn_baseline_msd", false, SimilarityMetric::kMsd,
       RatingPredictor::kWithBaseline},
      {"item_knn_basic_pearson", false, SimilarityMetric::kPearson,
       RatingPredictor::kBasic},
      {"item_knn_means_adjusted_cosine", false,
       SimilarityMetric::kAdjustedCosine, RatingPredictor::kWithMeans},
  };
  for (const KnnConfig& c : configs) {
    const auto start = std::chrono::steady_clock::now();
    double rmse = 0, mae = 0;
    for (const Split& fold : folds) {
      KnnOptions options;
      options.user_based = c.user_based;
      options.similarity.metric = c.metric;
      options.similarity.max_neighbors = 0;  // all: Surprise's full matrix
      options.k = 40;
      options.predictor = c.predictor;
      options.rating_min = 1;
      options.rating_max = 5;
      TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<KnnModel> model,
                              KnnModel::Train(fold.train, options));
      PairScorer scorer = [&model](absl::Span<const uint32_t> u,
                                   absl::Span<const uint32_t> i,
                                   absl::Span<float> out) {
        return model->PredictRatings(u, i, out);
      };
      TAILOR_ASSIGN_OR_RETURN(EvalResult r, EvaluateRatings(scorer, fold.test));
      rmse += r.metrics["rmse"];
      mae += r.metrics["mae"];
    }
    PrintJson("surprise_cv", c.name,
              {{"rmse", rmse / folds.size()}, {"mae", mae / folds.size()}},
              Seconds(start));
  }
  return absl::OkStatus();
}

absl::Status TopK(const std::string& protocol, const std::string& name,
                  const BatchScorer& scorer, const Split& split,
                  std::chrono::steady_clock::time_point start) {
  const std::vector<uint32_t> users = UsersWithEntries(split.test);
  TopKOptions top;
  top.k = 10;
  top.exclude = &split.train;
  TAILOR_ASSIGN_OR_RETURN(TopKLists lists,
                          RecommendTopK(scorer, split.train.cols, users, top));
  TopKEvalOptions eval;
  eval.ks = {10};
  eval.train = &split.train;
  TAILOR_ASSIGN_OR_RETURN(EvalResult r, EvaluateTopK(lists, split.test, eval));
  r.metrics["users"] = static_cast<double>(r.users_evaluated);
  PrintJson(protocol, name, r.metrics, Seconds(start));
  return absl::OkStatus();
}

absl::Status MsStratified(const Data& d, uint64_t seed) {
  StratifiedSplitOptions options;
  options.seed = seed;
  TAILOR_ASSIGN_OR_RETURN(Split split,
                          StratifiedSplit(d.ratings, d.timestamps, options));
  {
    const auto start = std::chrono::steady_clock::now();
    TAILOR_ASSIGN_OR_RETURN(auto pop,
                            PopularityModel::Train(split.train, {}, {}));
    TAILOR_RETURN_IF_ERROR(TopK(
        "ms_stratified", "popularity",
        [&pop](absl::Span<const uint32_t> u, absl::Span<float> s) {
          return pop->ScoreItems(u, s);
        },
        split, start));
  }
  // Implicit kNN: binarized interactions, full-vector cosine.
  CsrMatrix binary = split.train;
  std::fill(binary.data.begin(), binary.data.end(), 1.0f);
  for (bool user_based : {false, true}) {
    for (int k : {40, 100}) {
      const auto start = std::chrono::steady_clock::now();
      KnnOptions options;
      options.user_based = user_based;
      options.similarity.metric = SimilarityMetric::kCosine;
      options.similarity.max_neighbors = k;
      options.k = k;
      TAILOR_ASSIGN_OR_RETURN(auto model, KnnModel::Train(binary, options));
      TAILOR_RETURN_IF_ERROR(TopK(
          "ms_stratified",
          absl::StrCat(user_based ? "user_knn" : "item_knn", "_cosine_k", k),
          [&model](absl::Span<const uint32_t> u, absl::Span<float> s) {
            return model->ScoreItems(u, s);
          },
          split, start));
    }
  }
  return absl::OkStatus();
}

absl::Status LeaveOneOutPopularity(const Data& d, uint64_t seed) {
  const auto start = std::chrono::steady_clock::now();
  LeaveOneOutOptions options;
  options.seed = seed;
  TAILOR_ASSIGN_OR_RETURN(LeaveOneOutSplit loo,
                          LeaveOneOut(d.ratings, d.timestamps, options));
  TAILOR_ASSIGN_OR_RETURN(CsrMatrix negatives,
                          SampleNegatives(d.ratings, loo.split.test, 99, seed));
  TAILOR_ASSIGN_OR_RETURN(auto pop,
                          PopularityModel::Train(loo.split.train, {}, {}));
  PairScorer scorer = [&pop](absl::Span<const uint32_t>,
                             absl::Span<const uint32_t> items,
                             absl::Span<float> out) {
    for (size_t i = 0; i < items.size(); ++i) {
      out[i] = pop->item_scores()[items[i]];
    }
    return absl::OkStatus();
  };
  TAILOR_ASSIGN_OR_RETURN(
      EvalResult r,
      EvaluateLeaveOneOut(scorer, loo.split.test, negatives, {10}));
  PrintJson("leave_one_out", "popularity", r.metrics, Seconds(start));
  return absl::OkStatus();
}

// Popularity under strong generalization (100 held-out users) and a temporal
// cut-off at the 90th percentile of timestamps (warm and new users apart).
absl::Status StrongAndTemporalPopularity(const Data& d, uint64_t seed) {
  auto start = std::chrono::steady_clock::now();
  StrongGeneralizationOptions strong;
  strong.heldout_users = 100;
  strong.seed = seed;
  TAILOR_ASSIGN_OR_RETURN(StrongGeneralizationSplit sg,
                          StrongGeneralization(d.ratings, {}, strong));
  TAILOR_ASSIGN_OR_RETURN(auto pop, PopularityModel::Train(sg.train, {}, {}));
  BatchScorer scorer = [&pop](absl::Span<const uint32_t> u,
                              absl::Span<float> s) {
    return pop->ScoreItems(u, s);
  };
  TopKOptions top;
  top.k = 100;
  top.exclude = &sg.fold_in;
  TAILOR_ASSIGN_OR_RETURN(
      TopKLists lists,
      RecommendTopK(scorer, d.ratings.cols, UsersWithEntries(sg.test), top));
  TopKEvalOptions eval;
  eval.ks = {20, 50, 100};
  eval.recall = RecallDenominator::kMinKAndRelevant;
  TAILOR_ASSIGN_OR_RETURN(EvalResult r, EvaluateTopK(lists, sg.test, eval));
  std::map<std::string, double> m = {
      {"recall@20", r.metrics["recall@20"]},
      {"recall@50", r.metrics["recall@50"]},
      {"ndcg@100", r.metrics["ndcg@100"]},
      {"users", static_cast<double>(r.users_evaluated)}};
  PrintJson("strong", "popularity", m, Seconds(start));

  start = std::chrono::steady_clock::now();
  std::vector<int64_t> sorted = d.timestamps;
  std::sort(sorted.begin(), sorted.end());
  const int64_t cutoff = sorted[sorted.size() * 9 / 10];
  TAILOR_ASSIGN_OR_RETURN(TemporalSplit ts,
                          TemporalCutoff(d.ratings, d.timestamps, cutoff));
  TAILOR_ASSIGN_OR_RETURN(pop, PopularityModel::Train(ts.split.train, {}, {}));
  top.k = 10;
  top.exclude = &ts.split.train;
  eval.ks = {10};
  eval.recall = RecallDenominator::kRelevant;
  for (const auto& [part, test] :
       {std::pair<const char*, const CsrMatrix*>{"warm", &ts.test_warm},
        {"new_users", &ts.test_new_users}}) {
    TAILOR_ASSIGN_OR_RETURN(
        TopKLists part_lists,
        RecommendTopK(scorer, d.ratings.cols, UsersWithEntries(*test), top));
    TAILOR_ASSIGN_OR_RETURN(EvalResult pr,
                            EvaluateTopK(part_lists, *test, eval));
    std::map<std::string, double> pm = {
        {"ndcg@10", pr.metrics["ndcg@10"]},
        {"precision@10", pr.metrics["precision@10"]},
        {"recall@10", pr.metrics["recall@10"]},
        {"users", static_cast<double>(pr.users_evaluated)},
        {"new_users", static_cast<double>(ts.new_users.size())},
        {"new_items", static_cast<double>(ts.new_items.size())}};
    PrintJson(absl::StrCat("temporal_", part), "popularity", pm,
              Seconds(start));
  }
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : "/work/shared/data/movielens-100k/u.data.gz";
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 42;
  absl::StatusOr<Data> d = Load(path);
  if (!d.ok()) {
    std::fprintf(stderr, "ml100k_check: %s\n", d.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "loaded %s: %lld users, %lld items, %lld ratings\n",
               path.c_str(), static_cast<long long>(d->ratings.rows),
               static_cast<long long>(d->ratings.cols),
               static_cast<long long>(d->ratings.nnz()));
  for (auto* step : {&SurpriseCv, &MsStratified, &LeaveOneOutPopularity,
                     &StrongAndTemporalPopularity}) {
    absl::Status s = step(*d, seed);
    if (!s.ok()) {
      std::fprintf(stderr, "ml100k_check: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) { return tailor::Run(argc, argv); }
