#include "tools/tailor/blend_command.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "ranker/model/blend_learner.h"
#include "ranker/model/model_loader.h"
#include "ranker/model/validation_queries.h"
#include "tools/tailor/common_flags.h"

ABSL_FLAG(std::string, blend_from, "",
          "The model version directory whose blend is learned (trained on "
          "events before --blend_validation_start).");
ABSL_FLAG(std::string, blend_validation_start, "",
          "Validation events: the --dataset events at or after this UTC day "
          "(YYYY-MM-DD) ...");
ABSL_FLAG(std::string, blend_validation_end, "",
          "... and before this day (default: all later events).");
ABSL_FLAG(int32_t, blend_k, 20, "NDCG cut-off optimized (>= 1).");
ABSL_FLAG(int32_t, blend_max_users, 5000,
          "Validation users used at most (the first by user key order).");
ABSL_FLAG(std::string, blend_model_base, "",
          "Model base of the new version (default: that of --blend_from).");

namespace tailor {
namespace {

absl::StatusOr<int64_t> ParseDay(const char* flag, const std::string& value,
                                 int64_t if_empty) {
  if (value.empty()) return if_empty;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", value, " is not YYYY-MM-DD: ", err));
  }
  return absl::ToUnixSeconds(t);
}

absl::Status Blend(FileSystem* fs) {
  const std::string from = absl::GetFlag(FLAGS_blend_from);
  if (from.empty()) return absl::InvalidArgumentError("give --blend_from");
  if (absl::GetFlag(FLAGS_blend_validation_start).empty()) {
    return absl::InvalidArgumentError("give --blend_validation_start");
  }
  TAILOR_ASSIGN_OR_RETURN(
      int64_t begin, ParseDay("blend_validation_start",
                              absl::GetFlag(FLAGS_blend_validation_start), 0));
  TAILOR_ASSIGN_OR_RETURN(int64_t end,
                          ParseDay("blend_validation_end",
                                   absl::GetFlag(FLAGS_blend_validation_end),
                                   std::numeric_limits<int64_t>::max()));
  const int k = absl::GetFlag(FLAGS_blend_k);
  if (k < 1) return absl::InvalidArgumentError("--blend_k must be >= 1");
  TAILOR_ASSIGN_OR_RETURN(nlohmann::json manifest, ReadModelManifest(fs, from));
  std::string dataset_dir = absl::GetFlag(FLAGS_dataset);
  if (dataset_dir.empty()) dataset_dir = manifest.value("dataset", "");
  if (dataset_dir.empty()) {
    return absl::InvalidArgumentError(
        "give --dataset (the version's manifest names none)");
  }
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<ranker::HybridModel> model,
                          ranker::LoadHybridModel(fs, from));
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> ds,
                          Dataset::Open(fs, dataset_dir));
  TAILOR_ASSIGN_OR_RETURN(SparseBlock block, ds->LoadUserMajor());
  if (block.timestamps.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dataset_dir, " has no timestamps to split on"));
  }
  // Held-out users: events in [begin, end), items matched by key.
  const auto& names = ds->users().attribute_names;
  const auto country_it = std::find(names.begin(), names.end(), "country");
  const ranker::Catalogue& cat = model->data().catalogue;
  std::vector<ranker::HeldOutUser> users;
  int64_t events = 0;
  const CsrMatrix& m = block.matrix;
  for (int64_t u = 0; u < m.rows; ++u) {
    ranker::HeldOutUser h;
    h.user_key = ds->users().keys[u];
    h.first_event_unix_s = std::numeric_limits<int64_t>::max();
    for (int64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
      const int64_t t = block.timestamps[e];
      if (t < begin || t >= end) continue;
      const int64_t row = cat.Find(ds->items().keys[m.indices[e]]);
      if (row < 0) continue;
      h.items.push_back(row);
      h.first_event_unix_s = std::min(h.first_event_unix_s, t);
      ++events;
    }
    if (h.items.empty()) continue;
    if (country_it != names.end() &&
        u < static_cast<int64_t>(ds->users().attributes.size())) {
      h.country = ds->users().attributes[u][country_it - names.begin()];
    }
    users.push_back(std::move(h));
    if (static_cast<int>(users.size()) >= absl::GetFlag(FLAGS_blend_max_users))
      break;
  }
  std::vector<ranker::LabeledQuery> labeled =
      ranker::MakeValidationQueries(*model, users);
  if (labeled.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no validation user of ", dataset_dir,
                     " between the days given has "
                     "a held-out item they had not seen"));
  }
  std::vector<ranker::BlendQuery> queries;
  for (auto& l : labeled) queries.push_back(std::move(l.query));
  std::fprintf(stderr, "blend: %zu validation users, %lld events\n",
               queries.size(), static_cast<long long>(events));
  ranker::BlendLearnOptions lo;
  lo.k = k;
  const ranker::BlendWeights& start = model->data().blend;
  ranker::BlendWeights learned = ranker::LearnBlend(queries, start, lo);
  learned.validation["dataset"] = dataset_dir;
  learned.validation["from"] = absl::GetFlag(FLAGS_blend_validation_start);
  learned.validation["to"] = absl::GetFlag(FLAGS_blend_validation_end);

  // The new version: every file of the old one, blend.json replaced.
  ModelVersionContents c;
  c.algorithm = manifest.value("algorithm", "");
  c.factors = manifest.value("factors", 0);
  c.hyperparameters =
      manifest.value("hyperparameters", nlohmann::json::object());
  c.dataset_dir = manifest.value("dataset", "");
  c.dataset_fingerprint = manifest.value("dataset_fingerprint", "");
  for (const auto& [name, v] :
       manifest.value("metrics", nlohmann::json::object()).items()) {
    if (v.is_number()) c.metrics[name] = v.get<double>();
  }
  c.training = manifest.value("training", nlohmann::json::object());
  c.training["blended_from"] = from;
  std::optional<FactorTable> user_table, item_table;
  for (const auto& f : manifest["files"]) {
    const std::string path = f["path"].get<std::string>();
    const std::string full = JoinPath(from, path);
    if (path == "user_factors.tft") {
      TAILOR_ASSIGN_OR_RETURN(user_table, ReadFactorTable(fs, full));
    } else if (path == "item_factors.tft") {
      TAILOR_ASSIGN_OR_RETURN(item_table, ReadFactorTable(fs, full));
    } else if (path != ranker::kBlendFile) {
      TAILOR_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(fs, full));
      c.extra_files.push_back({path, std::move(bytes)});
    }
  }
  c.user_factors = user_table ? &*user_table : nullptr;
  c.item_factors = item_table ? &*item_table : nullptr;
  c.extra_files.push_back(
      {ranker::kBlendFile, ranker::BlendToJson(learned).dump(2)});
  std::string trimmed = from;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const std::string model_dir = trimmed.substr(0, trimmed.rfind('/'));
  std::string base = absl::GetFlag(FLAGS_blend_model_base);
  if (base.empty()) base = model_dir.substr(0, model_dir.rfind('/'));
  TAILOR_ASSIGN_OR_RETURN(
      std::string version_dir,
      ExportModelVersion(fs, base, manifest.value("model_name", "model"), c));
  const ranker::RankingMetrics before =
      ranker::Evaluate(queries, start.weights, k);
  nlohmann::json out = {{"command", "blend"},
                        {"from", from},
                        {"version_dir", version_dir},
                        {"validation_users", queries.size()},
                        {"validation_events", events},
                        {"ndcg_before", before.ndcg},
                        {"recall_before", before.recall},
                        {"blend", ranker::BlendToJson(learned)}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("blend weights (%s):", learned.method.c_str());
    for (int comp = 0; comp < ranker::kComponents; ++comp) {
      std::printf(" %s=%g", std::string(ranker::ComponentName(comp)).c_str(),
                  learned.weights[comp]);
    }
    std::printf("\nNDCG@%d %.4f -> %.4f on %zu users; wrote %s\n", k,
                before.ndcg, learned.validation["ndcg"].get<double>(),
                queries.size(), version_dir.c_str());
  }
  return absl::OkStatus();
}

int RunBlend() {
  absl::Status s = Blend(PosixFileSystem());
  if (!s.ok()) {
    std::fprintf(stderr, "tailor blend: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command BlendCommand() {
  Command c;
  c.name = "blend";
  c.summary =
      "Learn the ranker's blend weights on a validation split (coordinate "
      "ascent on NDCG@k) and write them into a new model version.";
  c.flags_file = __FILE__;
  c.shared_flags = {"json", "dataset"};
  c.run = &RunBlend;
  return c;
}

}  // namespace tailor
