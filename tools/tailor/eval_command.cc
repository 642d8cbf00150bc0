#include "tools/tailor/eval_command.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/job_flags.h"
#include "trainer/local/interactions.h"
#include "trainer/local/model_version_recommender.h"
#include "trainer/local/recommender.h"
#include "trainer/local/spec_util.h"
#include "trainer/protocol/grid_search.h"
#include "trainer/protocol/protocol_runner.h"
#include "trainer/protocol/split_io.h"

ABSL_FLAG(std::string, protocol, "ms_stratified",
          "surprise_cv | ms_stratified | leave_one_out | strong | temporal "
          "(docs/evaluation_protocols.md).");
ABSL_FLAG(std::string, algorithms, "",
          "Comma-separated algorithms, one table row each; an entry may carry "
          "its own settings: user_knn:similarity=msd:predictor=with_means. "
          "Replaces --algorithm.");
ABSL_FLAG(std::string, grid, "",
          "Grid search over job-spec fields or options, e.g. "
          "'factors=32,64;regularization=0.01,0.1'; one row per combination, "
          "best first.");
ABSL_FLAG(std::string, model, "",
          "Exported model version directory to evaluate (instead of training) "
          "on the held-out part of the split it was trained with, or on "
          "--split.");
ABSL_FLAG(std::string, split, "",
          "Split directory written by `tailor split`; evaluates on it instead "
          "of splitting --dataset.");
ABSL_FLAG(int32_t, folds, 5, "surprise_cv: number of folds.");
ABSL_FLAG(double, train_ratio, 0.75, "ms_stratified: train share per user.");
ABSL_FLAG(int32_t, eval_k, 10,
          "Cut-off k of ms_stratified, leave_one_out and temporal.");
ABSL_FLAG(int32_t, loo_negatives, 100,
          "leave_one_out: sampled negatives per user.");
ABSL_FLAG(bool, loo_random, false,
          "leave_one_out: hold out a random entry instead of the latest.");
ABSL_FLAG(int64_t, heldout_users, 0,
          "strong: users held out of training; 0 = 10% of the users.");
ABSL_FLAG(double, test_fraction, 0.2,
          "strong: share of each held-out user's entries to predict.");
ABSL_FLAG(std::string, cutoff, "",
          "temporal: cut-off as YYYY-MM-DD (UTC) or unix seconds; empty = "
          "the 80% quantile of the timestamps.");
ABSL_FLAG(std::string, implicit_values, "binary",
          "Values implicit algorithms train on: binary (every interaction "
          "is 1, as Microsoft Recommenders' notebooks) or raw.");

namespace tailor {
namespace {

struct Row {
  std::string label;
  std::vector<Setting> settings;
  ProtocolRun run;
  std::string error;
};

std::vector<std::string> Columns(Protocol protocol, int k) {
  const std::string K = absl::StrCat("@", k);
  switch (protocol) {
    case Protocol::kSurpriseCv:
      return {"rmse", "rmse_std", "mae", "mae_std"};
    case Protocol::kMsStratified:
      return {"map",        "ndcg" + K,     "precision" + K,
              "recall" + K, "coverage" + K, "popularity_percentile" + K,
              "rmse"};
    case Protocol::kLeaveOneOut:
      return {"hr" + K, "ndcg" + K, "coverage" + K,
              "popularity_percentile" + K};
    case Protocol::kStrong:
      return {"recall@20", "recall@50", "ndcg@100", "coverage@100",
              "popularity_percentile@100"};
    case Protocol::kTemporal:
      return {
          "ndcg" + K,           "warm/ndcg" + K,        "warm/recall" + K,
          "new_users/ndcg" + K, "new_users/recall" + K, "new_items/recall" + K,
          "coverage" + K};
  }
  return {};
}

void PrintTable(const std::vector<Row>& rows, Protocol protocol, int k) {
  std::vector<std::string> columns;
  for (const std::string& c : Columns(protocol, k)) {
    for (const Row& r : rows) {
      if (r.run.metrics.count(c)) {
        columns.push_back(c);
        break;
      }
    }
  }
  size_t width = 9;
  for (const Row& r : rows) width = std::max(width, r.label.size());
  std::string line = absl::StrFormat("%-*s", width, "algorithm");
  for (const std::string& c : columns) {
    absl::StrAppendFormat(&line, " %*s", std::max<size_t>(8, c.size()), c);
  }
  absl::StrAppend(&line, " seconds\n");
  for (const Row& r : rows) {
    absl::StrAppendFormat(&line, "%-*s", width, r.label);
    if (!r.error.empty()) {
      absl::StrAppend(&line, " error: ", r.error, "\n");
      continue;
    }
    for (const std::string& c : columns) {
      auto it = r.run.metrics.find(c);
      const int w = static_cast<int>(std::max<size_t>(8, c.size()));
      if (it == r.run.metrics.end()) {
        absl::StrAppendFormat(&line, " %*s", w, "-");
      } else {
        absl::StrAppendFormat(&line, " %*.4f", w, it->second);
      }
    }
    absl::StrAppendFormat(&line, " %7.1f\n", r.run.seconds);
  }
  std::fputs(line.c_str(), stdout);
}

nlohmann::json RowJson(const Row& r) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : r.run.metrics) j[name] = value;
  j["label"] = r.label;
  j["algorithm"] = r.run.algorithm;
  if (!r.settings.empty()) {
    nlohmann::json s = nlohmann::json::object();
    for (const auto& [name, value] : r.settings) s[name] = value;
    j["settings"] = s;
  }
  if (!r.error.empty()) j["error"] = r.error;
  j["details"] = r.run.details;
  j["seconds"] = r.run.seconds;
  return j;
}

RunOptions MakeRunOptions() {
  RunOptions options;
  options.binarize_implicit = absl::GetFlag(FLAGS_implicit_values) == "binary";
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "eval: %s\n", line.c_str());
  };
  return options;
}

// The job spec of `entry` ("algo:key=value:..."): the job flags with
// --algorithm replaced, then the entry's settings.
absl::StatusOr<tailor::v1::JobSpec> EntrySpec(const std::string& entry,
                                              std::vector<Setting>* settings) {
  TAILOR_ASSIGN_OR_RETURN(auto parsed, ParseAlgorithmEntry(entry));
  absl::SetFlag(&FLAGS_algorithm, parsed.first);
  TAILOR_ASSIGN_OR_RETURN(tailor::v1::JobSpec spec, BuildJobSpec());
  for (const Setting& s : parsed.second) {
    TAILOR_RETURN_IF_ERROR(ApplySetting(s, spec));
  }
  ApplyAlgorithmDefaults(spec);
  *settings = parsed.second;
  return spec;
}

// An exported model on the held-out part of the split it was trained with
// (or on --split).
absl::Status EvaluateModel(FileSystem* fs, const std::string& model_dir,
                           nlohmann::json& out) {
  TAILOR_ASSIGN_OR_RETURN(nlohmann::json manifest,
                          ReadModelManifest(fs, model_dir));
  std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty()) dataset = manifest.value("dataset", "");
  if (dataset.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(model_dir,
                     ": the manifest names no dataset; pass "
                     "--dataset"));
  }
  TAILOR_ASSIGN_OR_RETURN(std::string fingerprint,
                          DatasetFingerprint(fs, dataset));
  if (fingerprint != manifest.value("dataset_fingerprint", "")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset ", dataset, " (", fingerprint, ") is not the one ", model_dir,
        " was trained on (", manifest.value("dataset_fingerprint", ""), ")"));
  }
  TAILOR_ASSIGN_OR_RETURN(Interactions data, LoadInteractions(fs, dataset));
  TAILOR_ASSIGN_OR_RETURN(LoadedModelVersion loaded,
                          LoadModelVersionRecommender(
                              fs, model_dir, data.user_keys, data.item_keys));
  const std::string algorithm = loaded.manifest.value("algorithm", "");
  ProtocolSplit split;
  const std::string split_dir = absl::GetFlag(FLAGS_split);
  if (!split_dir.empty()) {
    TAILOR_ASSIGN_OR_RETURN(LoadedSplit s, ReadProtocolSplit(fs, split_dir));
    if (s.source.dataset_fingerprint != fingerprint) {
      return absl::FailedPreconditionError(
          absl::StrCat(split_dir, " was made from another dataset (",
                       s.source.dataset_fingerprint, ")"));
    }
    split = std::move(s.split);
    std::fprintf(stderr,
                 "eval: warning: the model may have been trained on entries "
                 "of %s's test side\n",
                 split_dir.c_str());
  } else {
    // `tailor train` held out `holdout` of each user's entries with the job
    // seed (StratifiedSplit); the same split gives its unseen test side.
    const nlohmann::json& hp = loaded.manifest["hyperparameters"];
    const double holdout =
        hp.is_object() && hp.contains("holdout") && hp["holdout"].is_number()
            ? hp["holdout"].get<double>()
            : 0.0;
    tailor::v1::JobSpec spec;
    if (!hp.is_object() || !hp.contains("job_spec") ||
        !hp["job_spec"].is_string() ||
        !google::protobuf::TextFormat::ParseFromString(
            hp["job_spec"].get<std::string>(), &spec)) {
      return absl::FailedPreconditionError(
          absl::StrCat(model_dir,
                       ": the manifest has no job_spec hyper-parameter to "
                       "rebuild the training split from; pass --split"));
    }
    if (!(holdout > 0 && holdout < 1)) {
      return absl::FailedPreconditionError(absl::StrCat(
          model_dir, " was trained on every interaction (holdout ", holdout,
          "), so no held-out data is left to evaluate it on"));
    }
    ProtocolOptions o;
    o.protocol = Protocol::kMsStratified;
    o.train_ratio = 1 - holdout;
    o.seed = spec.seed();
    o.k = absl::GetFlag(FLAGS_eval_k);
    TAILOR_ASSIGN_OR_RETURN(split,
                            MakeProtocolSplit(data.matrix, data.timestamps, o));
  }
  if (split.folds[0].test.rows != data.matrix.rows) {
    return absl::FailedPreconditionError(
        "the split's shape differs from the "
        "dataset's");
  }
  const absl::Time start = absl::Now();
  TAILOR_ASSIGN_OR_RETURN(auto metrics,
                          EvaluateTrainedModel(*loaded.model, split, 0,
                                               IsRatingAlgorithm(algorithm)));
  Row row;
  row.label = absl::StrCat(algorithm, " (", model_dir, ")");
  row.run.algorithm = algorithm;
  row.run.protocol = ProtocolName(split.options.protocol);
  row.run.metrics = metrics;
  row.run.details = {{"users_matched", loaded.users_matched},
                     {"items_matched", loaded.items_matched}};
  row.run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!absl::GetFlag(FLAGS_json)) {
    PrintTable({row}, split.options.protocol, split.options.k);
  }
  out = RowJson(row);
  out["protocol"] = row.run.protocol;
  out["model"] = model_dir;
  return absl::OkStatus();
}

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  nlohmann::json out;
  const std::string model_dir = absl::GetFlag(FLAGS_model);
  if (!model_dir.empty()) {
    TAILOR_RETURN_IF_ERROR(EvaluateModel(fs, model_dir, out));
    if (absl::GetFlag(FLAGS_json)) std::printf("%s\n", out.dump().c_str());
    return absl::OkStatus();
  }
  const std::string values = absl::GetFlag(FLAGS_implicit_values);
  if (values != "binary" && values != "raw") {
    return absl::InvalidArgumentError(
        absl::StrCat("--implicit_values='", values, "' must be binary or raw"));
  }
  std::vector<std::string> entries =
      absl::StrSplit(absl::GetFlag(FLAGS_algorithms), ',', absl::SkipEmpty());
  if (entries.empty()) {
    if (absl::GetFlag(FLAGS_algorithm).empty()) {
      return absl::InvalidArgumentError(
          "--algorithm or --algorithms is required (or --model)");
    }
    entries.push_back(absl::GetFlag(FLAGS_algorithm));
  }
  const std::string grid = absl::GetFlag(FLAGS_grid);
  if (!grid.empty() && entries.size() != 1) {
    return absl::InvalidArgumentError(
        "--grid searches one algorithm; give --algorithm, not a list");
  }
  std::vector<GridAxis> axes;
  if (!grid.empty()) {
    TAILOR_ASSIGN_OR_RETURN(axes, ParseGrid(grid));
  }
  std::vector<std::pair<tailor::v1::JobSpec, std::vector<Setting>>> specs;
  for (const std::string& entry : entries) {
    std::vector<Setting> settings;
    TAILOR_ASSIGN_OR_RETURN(tailor::v1::JobSpec spec,
                            EntrySpec(entry, &settings));
    specs.emplace_back(std::move(spec), std::move(settings));
  }
  const uint64_t seed = specs[0].first.seed();

  ProtocolSplit split;
  SplitSource source;
  const std::string split_dir = absl::GetFlag(FLAGS_split);
  if (!split_dir.empty()) {
    TAILOR_ASSIGN_OR_RETURN(LoadedSplit loaded,
                            ReadProtocolSplit(fs, split_dir));
    split = std::move(loaded.split);
    source = loaded.source;
    std::fprintf(stderr, "eval: split %s (%s, seed %llu, %zu folds)\n",
                 split_dir.c_str(), ProtocolName(split.options.protocol),
                 static_cast<unsigned long long>(split.options.seed),
                 split.folds.size());
  } else {
    source.dataset_dir = absl::GetFlag(FLAGS_dataset);
    if (source.dataset_dir.empty()) {
      return absl::InvalidArgumentError("--dataset or --split is required");
    }
    TAILOR_ASSIGN_OR_RETURN(ProtocolOptions options,
                            ProtocolOptionsFromFlags(seed));
    TAILOR_ASSIGN_OR_RETURN(Interactions data,
                            LoadInteractions(fs, source.dataset_dir));
    std::fprintf(stderr, "eval: %s: %lld users, %lld items, %lld entries\n",
                 source.dataset_dir.c_str(),
                 static_cast<long long>(data.matrix.rows),
                 static_cast<long long>(data.matrix.cols),
                 static_cast<long long>(data.matrix.nnz()));
    TAILOR_ASSIGN_OR_RETURN(
        split, MakeProtocolSplit(data.matrix, data.timestamps, options));
  }
  const Protocol protocol = split.options.protocol;
  const int k = split.options.k;
  const RunOptions run_options = MakeRunOptions();
  std::vector<Row> rows;
  if (!grid.empty()) {
    TAILOR_ASSIGN_OR_RETURN(
        std::vector<GridRow> grid_rows,
        RunGridSearch(specs[0].first, axes, split, run_options));
    for (GridRow& g : grid_rows) {
      Row row;
      std::vector<std::string> parts;
      for (const auto& [name, value] : g.settings) {
        parts.push_back(absl::StrCat(name, "=", value));
      }
      row.label = absl::StrJoin(parts, " ");
      row.settings = g.settings;
      row.run = std::move(g.run);
      row.run.algorithm = g.spec.algorithm();
      row.error = g.error;
      rows.push_back(std::move(row));
    }
  } else {
    for (size_t e = 0; e < specs.size(); ++e) {
      Row row;
      row.label = entries[e];
      row.settings = specs[e].second;
      absl::StatusOr<ProtocolRun> run =
          EvaluateOnSplit(specs[e].first, split, run_options);
      if (!run.ok() && specs.size() == 1) return run.status();
      if (run.ok()) {
        row.run = *std::move(run);
      } else {
        row.error = std::string(run.status().message());
        row.run.algorithm = specs[e].first.algorithm();
      }
      rows.push_back(std::move(row));
    }
  }
  if (!absl::GetFlag(FLAGS_json)) {
    std::printf("protocol %s, %s, seed %llu\n", ProtocolName(protocol),
                source.dataset_dir.c_str(),
                static_cast<unsigned long long>(split.options.seed));
    PrintTable(rows, protocol, k);
    return absl::OkStatus();
  }
  if (rows.size() == 1 && grid.empty()) {
    out = RowJson(rows[0]);
  } else {
    out = {{"rows", nlohmann::json::array()},
           {"main_metric", MainMetric(protocol, k)}};
    for (const Row& r : rows) out["rows"].push_back(RowJson(r));
  }
  out["protocol"] = ProtocolName(protocol);
  out["dataset"] = source.dataset_dir;
  out["seed"] = split.options.seed;
  std::printf("%s\n", out.dump().c_str());
  return absl::OkStatus();
}

int RunEval() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor eval: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

std::vector<std::string> ProtocolFlagNames() {
  return {"protocol",      "folds",         "train_ratio",
          "eval_k",        "loo_negatives", "loo_random",
          "heldout_users", "test_fraction", "cutoff"};
}

absl::StatusOr<int64_t> ParseCutoff(const std::string& text) {
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) return seconds;
  absl::Time t;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &error)) {
    return absl::ToUnixSeconds(t);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--cutoff='", text, "' is neither YYYY-MM-DD nor unix seconds"));
}

absl::StatusOr<ProtocolOptions> ProtocolOptionsFromFlags(uint64_t seed) {
  ProtocolOptions o;
  TAILOR_ASSIGN_OR_RETURN(o.protocol,
                          ParseProtocol(absl::GetFlag(FLAGS_protocol)));
  o.seed = seed;
  o.folds = absl::GetFlag(FLAGS_folds);
  o.train_ratio = absl::GetFlag(FLAGS_train_ratio);
  o.k = absl::GetFlag(FLAGS_eval_k);
  o.negatives = absl::GetFlag(FLAGS_loo_negatives);
  o.loo_random = absl::GetFlag(FLAGS_loo_random);
  o.heldout_users = absl::GetFlag(FLAGS_heldout_users);
  o.test_fraction = absl::GetFlag(FLAGS_test_fraction);
  const std::string cutoff = absl::GetFlag(FLAGS_cutoff);
  if (!cutoff.empty()) {
    TAILOR_ASSIGN_OR_RETURN(o.cutoff, ParseCutoff(cutoff));
  }
  absl::Status valid = ValidateProtocolOptions(o);
  if (!valid.ok()) {
    // Name the flag, not the library's option.
    std::string message(valid.message());
    for (const auto& [option, flag] :
         {std::pair<const char*, const char*>{"option k ", "--eval_k "},
          {"option folds ", "--folds "},
          {"option train_ratio ", "--train_ratio "},
          {"option negatives ", "--loo_negatives "},
          {"option heldout_users ", "--heldout_users "},
          {"option test_fraction ", "--test_fraction "}}) {
      const size_t at = message.find(option);
      if (at != std::string::npos) {
        message = absl::StrCat(flag, message.substr(at + strlen(option)));
        break;
      }
    }
    return absl::InvalidArgumentError(message);
  }
  return o;
}

Command EvalCommand() {
  Command c;
  c.name = "eval";
  c.summary =
      "Run an evaluation protocol (surprise_cv, ms_stratified, "
      "leave_one_out, strong, temporal) for algorithms, a grid, or a model.";
  c.flags_file = __FILE__;
  c.shared_flags = JobSpecFlagNames();
  c.shared_flags.push_back("dataset");
  c.shared_flags.push_back("json");
  c.run = &RunEval;
  return c;
}

}  // namespace tailor
