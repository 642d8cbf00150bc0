#include "trainer/protocol/protocol_runner.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "trainer/eval/evaluate.h"
#include "trainer/eval/ranking.h"
#include "trainer/local/spec_util.h"
#include "trainer/local/train_loop.h"
#include "trainer/protocol/strong_fold_in.h"

namespace tailor {
namespace {

bool IsKnn(const std::string& a) { return a == "user_knn" || a == "item_knn"; }

BatchScorer ScorerOf(const Recommender& model) {
  return [&model](absl::Span<const uint32_t> users, absl::Span<float> scores) {
    return model.Score(users, scores);
  };
}

// Pair scores read from the batch scores of each user (pairs arrive grouped
// by user, as EvaluateLeaveOneOut passes them). Used where a model's
// Predict is a rating, not a ranking score.
PairScorer PairScorerOf(const BatchScorer& scorer, int64_t num_items) {
  return [scorer, num_items](absl::Span<const uint32_t> users,
                             absl::Span<const uint32_t> items,
                             absl::Span<float> out) -> absl::Status {
    constexpr size_t kBatch = 128;
    size_t n = 0;
    while (n < users.size()) {
      std::vector<uint32_t> batch;
      std::vector<size_t> starts;
      size_t m = n;
      while (m < users.size() && batch.size() < kBatch) {
        batch.push_back(users[m]);
        starts.push_back(m);
        while (m < users.size() && users[m] == batch.back()) ++m;
      }
      starts.push_back(m);
      std::vector<float> scores(batch.size() * num_items);
      TAILOR_RETURN_IF_ERROR(scorer(batch, absl::MakeSpan(scores)));
      for (size_t b = 0; b < batch.size(); ++b) {
        for (size_t p = starts[b]; p < starts[b + 1]; ++p) {
          out[p] = scores[b * num_items + items[p]];
        }
      }
      n = m;
    }
    return absl::OkStatus();
  };
}

// Users without training entries get the training popularity (what a
// serving fallback gives them); every other user the model's scores.
BatchScorer WithPopularityFallback(BatchScorer scorer, const CsrMatrix& train) {
  auto counts = std::make_shared<std::vector<float>>(train.cols, 0.0f);
  for (uint32_t c : train.indices) (*counts)[c] += 1;
  return [scorer, counts, &train](absl::Span<const uint32_t> users,
                                  absl::Span<float> scores) -> absl::Status {
    TAILOR_RETURN_IF_ERROR(scorer(users, scores));
    const size_t n = counts->size();
    for (size_t b = 0; b < users.size(); ++b) {
      if (train.RowSize(users[b]) == 0) {
        std::copy(counts->begin(), counts->end(), scores.begin() + b * n);
      }
    }
    return absl::OkStatus();
  };
}

void CopyPrefixed(const std::map<std::string, double>& from,
                  const std::string& prefix,
                  std::map<std::string, double>& to) {
  for (const auto& [name, value] : from) to[prefix + name] = value;
}

absl::StatusOr<TopKLists> ListsFor(const BatchScorer& scorer,
                                   const CsrMatrix& exclude,
                                   const CsrMatrix& test, int k) {
  TopKOptions top;
  top.k = k;
  top.exclude = &exclude;
  return RecommendTopK(scorer, test.cols, UsersWithEntries(test), top);
}

// Top-k metrics of `scorer`'s lists on `test` (train items excluded), plus
// "map" as Microsoft Recommenders names it.
absl::StatusOr<EvalResult> TopK(const BatchScorer& scorer,
                                const CsrMatrix& train, const CsrMatrix& test,
                                int k) {
  TAILOR_ASSIGN_OR_RETURN(TopKLists lists, ListsFor(scorer, train, test, k));
  TopKEvalOptions eval;
  eval.ks = {k};
  eval.train = &train;
  TAILOR_ASSIGN_OR_RETURN(EvalResult result, EvaluateTopK(lists, test, eval));
  result.metrics["map"] = result.metrics[absl::StrCat("map@", k)];
  return result;
}

absl::StatusOr<std::map<std::string, double>> Ratings(const Recommender& model,
                                                      const CsrMatrix& test) {
  PairScorer scorer = [&model](absl::Span<const uint32_t> users,
                               absl::Span<const uint32_t> items,
                               absl::Span<float> out) {
    return model.Predict(users, items, out);
  };
  TAILOR_ASSIGN_OR_RETURN(EvalResult result, EvaluateRatings(scorer, test));
  return result.metrics;
}

// One fold's metrics for a model trained on fold.train (strong aside).
absl::StatusOr<std::map<std::string, double>> EvaluateFold(
    const Recommender& model, const EvalFold& fold, const ProtocolOptions& o,
    bool ratings, nlohmann::json& details) {
  std::map<std::string, double> metrics;
  const BatchScorer scorer = ScorerOf(model);
  const int k = o.k;
  switch (o.protocol) {
    case Protocol::kSurpriseCv:
      return Ratings(model, fold.test);
    case Protocol::kMsStratified: {
      TAILOR_ASSIGN_OR_RETURN(EvalResult r,
                              TopK(scorer, fold.train, fold.test, k));
      metrics = r.metrics;
      details["users_evaluated"] = r.users_evaluated;
      if (ratings) {
        TAILOR_ASSIGN_OR_RETURN(auto errors, Ratings(model, fold.test));
        metrics.insert(errors.begin(), errors.end());
      }
      return metrics;
    }
    case Protocol::kLeaveOneOut: {
      TAILOR_ASSIGN_OR_RETURN(
          EvalResult r,
          EvaluateLeaveOneOut(PairScorerOf(scorer, fold.test.cols), fold.test,
                              fold.negatives, {k}));
      metrics = r.metrics;
      details["users_evaluated"] = r.users_evaluated;
      // Coverage and popularity of the full top-k lists (all unseen items).
      TAILOR_ASSIGN_OR_RETURN(EvalResult lists,
                              TopK(scorer, fold.train, fold.test, k));
      for (const char* name :
           {"coverage@", "avg_popularity@", "popularity_percentile@"}) {
        const std::string key = absl::StrCat(name, k);
        metrics[key] = lists.metrics[key];
      }
      return metrics;
    }
    case Protocol::kTemporal: {
      const BatchScorer fallback = WithPopularityFallback(scorer, fold.train);
      TAILOR_ASSIGN_OR_RETURN(EvalResult all,
                              TopK(fallback, fold.train, fold.test, k));
      metrics = all.metrics;
      const TemporalParts parts = SplitTemporalTest(fold.train, fold.test);
      details["new_users"] = parts.num_new_users;
      details["new_items"] = parts.num_new_items;
      const std::pair<const char*, const CsrMatrix*> named[] = {
          {"warm/", &parts.warm},
          {"new_users/", &parts.new_users},
          {"new_items/", &parts.new_items}};
      for (const auto& [prefix, part] : named) {
        details[absl::StrCat(prefix, "entries")] = part->nnz();
        if (part->nnz() == 0) continue;
        TAILOR_ASSIGN_OR_RETURN(EvalResult r,
                                TopK(fallback, fold.train, *part, k));
        CopyPrefixed(r.metrics, prefix, metrics);
        details[absl::StrCat(prefix, "users")] = r.users_evaluated;
      }
      return metrics;
    }
    case Protocol::kStrong:
      break;
  }
  return absl::InternalError("strong generalization is evaluated by fold-in");
}

absl::StatusOr<std::unique_ptr<Recommender>> Train(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    absl::Span<const int64_t> timestamps) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Recommender> model,
                          CreateRecommender(spec, train, timestamps));
  if (model->iterative()) {
    TrainLoopOptions loop;
    loop.iterations = static_cast<int>(spec.iterations());
    TAILOR_RETURN_IF_ERROR(RunTrainLoop(*model, nullptr, loop).status());
  }
  return model;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

// Population standard deviation (numpy's default, as Surprise prints).
double StdDev(const std::vector<double>& v) {
  const double m = Mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / v.size());
}

}  // namespace

std::string MainMetric(Protocol protocol, int k) {
  switch (protocol) {
    case Protocol::kSurpriseCv:
      return "rmse";
    case Protocol::kMsStratified:
      return absl::StrCat("ndcg@", k);
    case Protocol::kLeaveOneOut:
      return absl::StrCat("hr@", k);
    case Protocol::kStrong:
      return "recall@20";
    case Protocol::kTemporal:
      return absl::StrCat("warm/ndcg@", k);
  }
  return "";
}

bool LowerIsBetter(const std::string& metric) {
  return absl::EndsWith(metric, "rmse") || absl::EndsWith(metric, "mae") ||
         absl::StrContains(metric, "avg_popularity") ||
         absl::StrContains(metric, "popularity_percentile");
}

absl::StatusOr<ProtocolRun> EvaluateOnSplit(const tailor::v1::JobSpec& base,
                                            const ProtocolSplit& split,
                                            const RunOptions& options) {
  const absl::Time start = absl::Now();
  tailor::v1::JobSpec spec = base;
  ApplyAlgorithmDefaults(spec);
  const std::string& algorithm = spec.algorithm();
  const ProtocolOptions& o = split.options;
  TAILOR_RETURN_IF_ERROR(ValidateProtocolOptions(o));
  if (split.folds.empty()) {
    return absl::InvalidArgumentError("the split has no folds");
  }
  const bool rating_algorithm = IsRatingAlgorithm(algorithm);
  if (o.protocol == Protocol::kSurpriseCv && !rating_algorithm &&
      !IsKnn(algorithm)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "protocol surprise_cv measures rating predictions (RMSE, MAE); '",
        algorithm,
        "' ranks implicit feedback. Use als, biased_mf, pmf, nmf, user_knn "
        "or item_knn"));
  }
  const bool raw_values = o.protocol == Protocol::kSurpriseCv ||
                          rating_algorithm || !options.binarize_implicit;
  ProtocolRun run;
  run.protocol = ProtocolName(o.protocol);
  run.algorithm = algorithm;
  run.main_metric = MainMetric(o.protocol, o.k);
  run.details["folds"] = split.folds.size();
  std::map<std::string, std::vector<double>> per_fold;
  for (size_t f = 0; f < split.folds.size(); ++f) {
    const EvalFold& fold = split.folds[f];
    const std::string where = split.folds.size() > 1
                                  ? absl::StrCat("fold ", f + 1, ": ")
                                  : std::string();
    if (options.progress) {
      options.progress(absl::StrCat(run.protocol, " ", algorithm, " ", where,
                                    "training on ", fold.train.nnz(),
                                    " entries"));
    }
    const CsrMatrix train = raw_values ? fold.train : Binarized(fold.train);
    nlohmann::json fold_details = {{"train_entries", fold.train.nnz()},
                                   {"test_entries", fold.test.nnz()}};
    absl::StatusOr<std::map<std::string, double>> metrics;
    if (o.protocol == Protocol::kStrong) {
      const CsrMatrix fold_in =
          raw_values ? fold.fold_in : Binarized(fold.fold_in);
      metrics = EvaluateStrongGeneralization(spec, train, fold_in, fold.test,
                                             fold_details);
    } else {
      absl::StatusOr<std::unique_ptr<Recommender>> model =
          Train(spec, train, fold.train_timestamps);
      if (model.ok()) {
        metrics =
            EvaluateFold(**model, fold, o, rating_algorithm, fold_details);
      } else {
        metrics = model.status();
      }
    }
    if (!metrics.ok()) {
      return absl::Status(metrics.status().code(),
                          absl::StrCat(run.protocol, " ", algorithm, ": ",
                                       where, metrics.status().message()));
    }
    for (const auto& [name, value] : *metrics) per_fold[name].push_back(value);
    run.details["per_fold"].push_back(fold_details);
  }
  for (const auto& [name, values] : per_fold) {
    run.metrics[name] = Mean(values);
    if (split.folds.size() > 1 && (name == "rmse" || name == "mae")) {
      run.metrics[name + "_std"] = StdDev(values);
      for (size_t f = 0; f < values.size(); ++f) {
        run.details["per_fold"][f][name] = values[f];
      }
    }
  }
  if (split.folds.size() == 1) {
    // One fold: its counts are the run's.
    for (const auto& [key, value] : run.details["per_fold"][0].items()) {
      run.details[key] = value;
    }
  }
  if (split.users_skipped > 0) {
    run.details["users_skipped"] = split.users_skipped;
  }
  if (o.protocol == Protocol::kStrong) {
    run.details["heldout_users"] = o.heldout_users;
    run.details["dropped_unseen_item_entries"] = split.dropped_entries;
  }
  if (o.protocol == Protocol::kTemporal) run.details["cutoff"] = o.cutoff;
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return run;
}

absl::StatusOr<ProtocolRun> RunProtocol(const tailor::v1::JobSpec& spec,
                                        const CsrMatrix& interactions,
                                        absl::Span<const int64_t> timestamps,
                                        const ProtocolOptions& protocol,
                                        const RunOptions& options) {
  TAILOR_ASSIGN_OR_RETURN(
      ProtocolSplit split,
      MakeProtocolSplit(interactions, timestamps, protocol));
  return EvaluateOnSplit(spec, split, options);
}

absl::StatusOr<std::map<std::string, double>> EvaluateTrainedModel(
    const Recommender& model, const ProtocolSplit& split, int fold,
    bool ratings) {
  if (fold < 0 || fold >= static_cast<int>(split.folds.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fold ", fold, " does not exist; the split has ", split.folds.size()));
  }
  if (split.options.protocol == Protocol::kStrong) {
    return absl::InvalidArgumentError(
        "an exported model cannot be evaluated under strong generalization: "
        "the protocol retrains without the held-out users");
  }
  if (split.options.protocol == Protocol::kSurpriseCv && !ratings) {
    return absl::InvalidArgumentError(
        "surprise_cv measures ratings; this model ranks implicit feedback");
  }
  nlohmann::json details;
  return EvaluateFold(model, split.folds[fold], split.options, ratings,
                      details);
}

}  // namespace tailor
