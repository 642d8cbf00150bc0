#include "trainer/local/train_loop.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "trainer/eval/evaluate.h"
#include "trainer/eval/ranking.h"

namespace tailor {
namespace {

constexpr char kCheckpointPrefix[] = "iter-";

bool LowerIsBetter(const std::string& metric) {
  return metric == "rmse" || metric == "mae" ||
         absl::StartsWith(metric, "avg_popularity");
}

// Iteration numbers of the complete checkpoints in `dir`, ascending.
absl::StatusOr<std::vector<int>> ListCheckpoints(FileSystem* fs,
                                                 const std::string& dir) {
  std::vector<int> iterations;
  if (!fs->Exists(dir)) return iterations;
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  for (const std::string& name : names) {
    int it = 0;
    if (absl::StartsWith(name, kCheckpointPrefix) &&
        absl::SimpleAtoi(name.substr(sizeof(kCheckpointPrefix) - 1), &it)) {
      iterations.push_back(it);
    }
  }
  std::sort(iterations.begin(), iterations.end());
  return iterations;
}

std::string CheckpointName(int iteration) {
  return absl::StrFormat("%s%06d", kCheckpointPrefix, iteration);
}

// Writes a checkpoint into a temporary directory, renames it into place and
// keeps the newest two.
absl::Status WriteCheckpoint(const Recommender& model, FileSystem* fs,
                             const std::string& dir, int iteration) {
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(dir));
  const std::string tmp = JoinPath(dir, ".tmp-checkpoint");
  if (fs->Exists(tmp)) TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(tmp));
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(tmp));
  TAILOR_RETURN_IF_ERROR(model.Save(fs, tmp));
  const std::string final_dir = JoinPath(dir, CheckpointName(iteration));
  if (fs->Exists(final_dir)) {
    TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(final_dir));
  }
  TAILOR_RETURN_IF_ERROR(fs->Rename(tmp, final_dir));
  TAILOR_ASSIGN_OR_RETURN(std::vector<int> all, ListCheckpoints(fs, dir));
  for (size_t i = 0; i + 2 < all.size(); ++i) {
    TAILOR_RETURN_IF_ERROR(
        fs->DeleteRecursively(JoinPath(dir, CheckpointName(all[i]))));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::map<std::string, double>> EvaluateHoldout(
    const Recommender& model, const CsrMatrix& train, const CsrMatrix& test,
    bool ratings, int k) {
  if (ratings) {
    PairScorer scorer = [&model](absl::Span<const uint32_t> users,
                                 absl::Span<const uint32_t> items,
                                 absl::Span<float> out) {
      return model.Predict(users, items, out);
    };
    TAILOR_ASSIGN_OR_RETURN(EvalResult result, EvaluateRatings(scorer, test));
    return result.metrics;
  }
  BatchScorer scorer = [&model](absl::Span<const uint32_t> users,
                                absl::Span<float> scores) {
    return model.Score(users, scores);
  };
  TopKOptions top;
  top.k = k;
  top.exclude = &train;
  const std::vector<uint32_t> users = UsersWithEntries(test);
  TAILOR_ASSIGN_OR_RETURN(TopKLists lists,
                          RecommendTopK(scorer, test.cols, users, top));
  TopKEvalOptions eval;
  eval.ks = {k};
  eval.train = &train;
  TAILOR_ASSIGN_OR_RETURN(EvalResult result, EvaluateTopK(lists, test, eval));
  return result.metrics;
}

absl::StatusOr<TrainLoopResult> RunTrainLoop(Recommender& model, FileSystem* fs,
                                             const TrainLoopOptions& options) {
  TrainLoopResult result;
  const bool evaluate = options.holdout != nullptr && options.train != nullptr;
  const bool ratings = options.metric == "rmse" || options.metric == "mae";
  int k = 10;
  if (!ratings) {
    const size_t at = options.metric.find('@');
    if (at == std::string::npos ||
        !absl::SimpleAtoi(options.metric.substr(at + 1), &k) || k < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric '", options.metric,
          "' must be rmse, mae or a top-k metric such as ndcg@10"));
    }
  }
  auto measure = [&](IterationReport& report) -> absl::Status {
    if (!evaluate) return absl::OkStatus();
    TAILOR_ASSIGN_OR_RETURN(
        auto metrics,
        EvaluateHoldout(model, *options.train, *options.holdout, ratings, k));
    auto it = metrics.find(options.metric);
    if (it == metrics.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric '", options.metric, "' is not computed"));
    }
    report.metric_name = options.metric;
    report.metric = it->second;
    return absl::OkStatus();
  };

  if (!model.iterative()) {
    IterationReport report;
    TAILOR_RETURN_IF_ERROR(measure(report));
    if (options.progress) options.progress(report);
    result.history.push_back(report);
    result.stop_reason = "fitted";
    return result;
  }
  if (options.iterations < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("iterations must be >= 1, got ", options.iterations));
  }

  int start = 1;
  if (options.resume && !options.checkpoint_dir.empty()) {
    TAILOR_ASSIGN_OR_RETURN(std::vector<int> all,
                            ListCheckpoints(fs, options.checkpoint_dir));
    if (!all.empty()) {
      TAILOR_RETURN_IF_ERROR(model.Restore(
          fs, JoinPath(options.checkpoint_dir, CheckpointName(all.back()))));
      result.resumed_from = all.back();
      start = all.back() + 1;
    }
  }

  const bool lower_better = LowerIsBetter(options.metric);
  double best = lower_better ? INFINITY : -INFINITY;
  int since_best = 0;
  result.stop_reason = "iterations";
  result.iterations_run = start - 1;
  for (int it = start; it <= options.iterations; ++it) {
    absl::StatusOr<IterationResult> step = model.Iterate();
    if (!step.ok()) {
      return absl::Status(
          step.status().code(),
          absl::StrCat("iteration ", it, ": ", step.status().message()));
    }
    if (!std::isfinite(step->loss)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "iteration ", it, ": the training loss is ", step->loss,
          " (diverged); lower the learning rate or raise regularization"));
    }
    IterationReport report;
    report.iteration = it;
    report.loss = step->loss;
    report.seconds = step->seconds;
    report.rows_per_second =
        step->seconds > 0 ? static_cast<double>(step->rows) / step->seconds : 0;
    const bool eval_now =
        evaluate &&
        (it % std::max(1, options.eval_every) == 0 || it == options.iterations);
    if (eval_now) TAILOR_RETURN_IF_ERROR(measure(report));
    result.iterations_run = it;
    result.history.push_back(report);
    if (options.progress) options.progress(report);
    if (options.checkpoint_every > 0 && !options.checkpoint_dir.empty() &&
        it % options.checkpoint_every == 0) {
      TAILOR_RETURN_IF_ERROR(
          WriteCheckpoint(model, fs, options.checkpoint_dir, it));
    }
    if (eval_now && options.patience > 0) {
      const double gain =
          lower_better ? best - report.metric : report.metric - best;
      if (gain > options.min_improvement || !std::isfinite(best)) {
        best = report.metric;
        since_best = 0;
      } else if (++since_best >= options.patience) {
        result.stop_reason = "plateau";
        break;
      }
    }
  }
  return result;
}

}  // namespace tailor
