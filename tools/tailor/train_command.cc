#include "tools/tailor/train_command.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/job_flags.h"
#include "trainer/eval/stratified_split.h"
#include "trainer/local/interactions.h"
#include "trainer/local/recommender.h"
#include "trainer/local/train_loop.h"

ABSL_FLAG(double, holdout, 0.1,
          "Share of each user's interactions held out to report a metric "
          "every iteration (Microsoft Recommenders' per-user split); 0: none.");
ABSL_FLAG(std::string, metric, "",
          "Held-out metric: rmse, or a top-k metric such as ndcg@10; default "
          "rmse for rating algorithms, ndcg@10 otherwise.");
ABSL_FLAG(int32_t, eval_every, 1, "Evaluate every N iterations.");
ABSL_FLAG(int32_t, patience, 3,
          "Stop after N evaluations without improvement; 0: never.");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Directory for checkpoints (iter-NNNNNN/); empty: none.");
ABSL_FLAG(int32_t, checkpoint_every, 1, "Checkpoint every N iterations.");
ABSL_FLAG(bool, resume, false,
          "Continue from the newest checkpoint in --checkpoint_dir.");
ABSL_FLAG(std::string, export_dir, "",
          "Model base directory; the model is published as "
          "<export_dir>/<model_name>/<version>/. Empty: no export.");
ABSL_FLAG(std::string, model_name, "default", "Name of the exported model.");

namespace tailor {
namespace {

absl::Status Run() {
  const absl::Time start = absl::Now();
  FileSystem* fs = PosixFileSystem();
  TAILOR_ASSIGN_OR_RETURN(tailor::v1::JobSpec spec, BuildJobSpec());
  std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty()) dataset = spec.dataset_dir();
  if (dataset.empty()) {
    return absl::InvalidArgumentError(
        "--dataset is required (or dataset_dir in --job_spec)");
  }
  spec.set_dataset_dir(dataset);
  const double holdout = absl::GetFlag(FLAGS_holdout);
  if (!(holdout >= 0 && holdout < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--holdout must be in [0, 1), got ", holdout));
  }
  TAILOR_ASSIGN_OR_RETURN(Interactions data, LoadInteractions(fs, dataset));
  std::fprintf(stderr, "train: %s: %lld users, %lld items, %lld entries\n",
               dataset.c_str(), static_cast<long long>(data.matrix.rows),
               static_cast<long long>(data.matrix.cols),
               static_cast<long long>(data.matrix.nnz()));

  CsrMatrix train = data.matrix, test;
  std::vector<int64_t> train_times = data.timestamps;
  if (holdout > 0) {
    StratifiedSplitOptions split;
    split.train_ratio = 1 - holdout;
    split.seed = spec.seed();
    TAILOR_ASSIGN_OR_RETURN(
        Split s, StratifiedSplit(data.matrix, data.timestamps, split));
    train = std::move(s.train);
    test = std::move(s.test);
    train_times = std::move(s.train_timestamps);
  }
  std::string metric = absl::GetFlag(FLAGS_metric);
  if (metric.empty()) {
    metric = IsRatingAlgorithm(spec.algorithm()) ? "rmse" : "ndcg@10";
  }
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Recommender> model,
                          CreateRecommender(spec, train, train_times));

  TrainLoopOptions loop;
  loop.iterations = static_cast<int>(spec.iterations());
  if (holdout > 0) {
    loop.train = &train;
    loop.holdout = &test;
  }
  loop.metric = metric;
  loop.eval_every = absl::GetFlag(FLAGS_eval_every);
  loop.patience = absl::GetFlag(FLAGS_patience);
  loop.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  loop.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  loop.resume = absl::GetFlag(FLAGS_resume);
  loop.progress = [&](const IterationReport& r) {
    std::string line =
        absl::StrFormat("train: %s iter %d/%d loss=%.6g", spec.algorithm(),
                        r.iteration, loop.iterations, r.loss);
    if (!r.metric_name.empty()) {
      absl::StrAppendFormat(&line, " %s=%.4f", r.metric_name, r.metric);
    }
    absl::StrAppendFormat(&line, " %.2fs %.3gM rows/s\n", r.seconds,
                          r.rows_per_second / 1e6);
    std::fputs(line.c_str(), stderr);
  };
  TAILOR_ASSIGN_OR_RETURN(TrainLoopResult result,
                          RunTrainLoop(*model, fs, loop));

  std::fprintf(stderr, "train: stopped after %d iterations (%s)\n",
               result.iterations_run, result.stop_reason.c_str());
  nlohmann::json out = {{"algorithm", spec.algorithm()},
                        {"dataset", dataset},
                        {"iterations", result.iterations_run},
                        {"resumed_from", result.resumed_from},
                        {"stop_reason", result.stop_reason}};
  std::map<std::string, double> metrics;
  if (holdout > 0) {
    TAILOR_ASSIGN_OR_RETURN(
        metrics, EvaluateHoldout(*model, train, test,
                                 metric == "rmse" || metric == "mae", 10));
  }
  out["metrics"] = metrics;
  const std::string export_dir = absl::GetFlag(FLAGS_export_dir);
  if (!export_dir.empty()) {
    ModelVersionContents contents;
    contents.algorithm = spec.algorithm();
    contents.factors = static_cast<int>(spec.factors());
    std::string spec_text;
    google::protobuf::TextFormat::PrintToString(spec, &spec_text);
    contents.hyperparameters = {
        {"job_spec", spec_text}, {"holdout", holdout}, {"metric", metric}};
    contents.dataset_dir = dataset;
    TAILOR_ASSIGN_OR_RETURN(contents.dataset_fingerprint,
                            DatasetFingerprint(fs, dataset));
    contents.metrics = metrics;
    contents.training = {
        {"iterations", result.iterations_run},
        {"stop_reason", result.stop_reason},
        {"seconds", absl::ToDoubleSeconds(absl::Now() - start)}};
    TAILOR_RETURN_IF_ERROR(
        model->Export(data.user_keys, data.item_keys, contents));
    TAILOR_ASSIGN_OR_RETURN(
        std::string dir,
        ExportModelVersion(fs, export_dir, absl::GetFlag(FLAGS_model_name),
                           contents));
    out["model_dir"] = dir;
    std::fprintf(stderr, "train: exported %s\n", dir.c_str());
  }
  out["seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    for (const auto& [name, value] : metrics) {
      std::printf("%-24s %.4f\n", name.c_str(), value);
    }
    if (out.contains("model_dir")) {
      std::printf("model: %s\n", out["model_dir"].get<std::string>().c_str());
    }
  }
  return absl::OkStatus();
}

int RunTrain() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor train: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command TrainCommand() {
  Command c;
  c.name = "train";
  c.summary =
      "Train one algorithm on a dataset in this process; print one line per "
      "iteration and export a model version.";
  c.flags_file = __FILE__;
  c.shared_flags = JobSpecFlagNames();
  c.shared_flags.push_back("dataset");
  c.shared_flags.push_back("json");
  c.run = &RunTrain;
  return c;
}

}  // namespace tailor
