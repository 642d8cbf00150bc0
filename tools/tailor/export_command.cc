#include "tools/tailor/export_command.h"

#include <cstdio>
#include <map>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "ranker/model/version_files.h"
#include "tools/tailor/common_flags.h"

ABSL_FLAG(std::string, inspect, "",
          "Print what the model version directory VERSION_DIR contains "
          "(checksums verified) and exit.");
ABSL_FLAG(std::string, export_from, "",
          "The trained model version directory to bundle.");
ABSL_FLAG(std::string, export_model_base, "",
          "Model base directory of the new version (default: that of "
          "--export_from).");
ABSL_FLAG(std::string, export_model_name, "",
          "Model name of the new version (default: that of --export_from).");
ABSL_FLAG(std::string, export_profiles, "",
          "Output directory of `tailor profile`.");
ABSL_FLAG(std::string, export_segments, "",
          "Output directory of `tailor segment`.");
ABSL_FLAG(std::string, export_content, "",
          "Output directory of `tailor content`.");
ABSL_FLAG(bool, export_ranker_files, true,
          "Add what the ranker needs from the training dataset: "
          "catalogue.tsv, popularity.tsv (overall, by country / hour / "
          "channel), history/user_items.tcv and a default blend.json "
          "(docs/ranker_model.md). Needs the dataset (--export_dataset or "
          "the one named in the version's manifest).");
ABSL_FLAG(std::string, export_dataset, "",
          "Dataset directory for --export_ranker_files (default: the "
          "dataset named in the version's manifest).");
ABSL_FLAG(std::string, export_description_attribute, "",
          "Item attribute for catalogue descriptions (default: description, "
          "title or name).");
ABSL_FLAG(std::string, export_price_attribute, "",
          "Item attribute for catalogue prices (default: price or "
          "unit_price).");
ABSL_FLAG(std::string, export_category_attribute, "",
          "Item attribute with '|'-separated categories (default: category, "
          "categories, genre or genres).");
ABSL_FLAG(int32_t, export_popularity_items, 1000,
          "Items kept per context value in popularity.tsv (>= 1).");

namespace tailor {
namespace {

bool HasFile(const nlohmann::json& manifest, const std::string& path) {
  for (const auto& f : manifest["files"]) {
    if (f.value("path", "") == path) return true;
  }
  return false;
}

absl::Status Inspect(FileSystem* fs, const std::string& dir) {
  TAILOR_ASSIGN_OR_RETURN(nlohmann::json m, ReadModelManifest(fs, dir));
  std::map<std::string, std::pair<int64_t, int64_t>> groups;  // files, bytes
  for (const auto& f : m["files"]) {
    const std::string path = f["path"].get<std::string>();
    const size_t slash = path.find('/');
    const std::string group =
        slash == std::string::npos ? "(top level)" : path.substr(0, slash + 1);
    groups[group].first += 1;
    groups[group].second += f["bytes"].get<int64_t>();
  }
  nlohmann::json out = {
      {"command", "export"},
      {"inspect", dir},
      {"checksums", "verified"},
      {"model_name", m.value("model_name", "")},
      {"version", m.value("version", 0)},
      {"algorithm", m.value("algorithm", "")},
      {"factors", m.value("factors", 0)},
      {"dataset_fingerprint", m.value("dataset_fingerprint", "")},
      {"metrics", m.value("metrics", nlohmann::json::object())},
      {"has_profiles", groups.count("profiles/") > 0},
      {"has_segments", groups.count("segments/") > 0},
      {"has_content", groups.count("content/") > 0},
      {"has_catalogue",
       groups.count("(top level)") > 0 && HasFile(m, "catalogue.tsv")},
      {"has_blend", HasFile(m, "blend.json")},
      {"files", m["files"]}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
    return absl::OkStatus();
  }
  std::printf("model version %s (checksums verified)\n", dir.c_str());
  std::printf("  %s version %lld: algorithm %s, %d factors, dataset %s\n",
              out["model_name"].get<std::string>().c_str(),
              static_cast<long long>(out["version"].get<int64_t>()),
              out["algorithm"].get<std::string>().c_str(),
              out["factors"].get<int>(),
              out["dataset_fingerprint"].get<std::string>().c_str());
  const nlohmann::json& metrics = out["metrics"];
  for (const auto& [name, v] : metrics.items()) {
    std::printf("  metric %s = %s\n", name.c_str(), v.dump().c_str());
  }
  for (const auto& [group, counts] : groups) {
    std::printf("  %-14s %lld files, %lld bytes\n", group.c_str(),
                static_cast<long long>(counts.first),
                static_cast<long long>(counts.second));
  }
  for (const auto& f : m["files"]) {
    std::printf("    %-40s %12lld  crc32c %s\n",
                f["path"].get<std::string>().c_str(),
                static_cast<long long>(f["bytes"].get<int64_t>()),
                f["crc32c"].get<std::string>().c_str());
  }
  return absl::OkStatus();
}

// Files that --export_ranker_files writes anew.
bool IsRankerFile(const std::string& path) {
  return path == "catalogue.tsv" || path == "popularity.tsv" ||
         path == "blend.json" || path.rfind("history/", 0) == 0;
}

// Adds every file directly inside `dir` as `prefix/name`.
absl::Status AddDirectory(FileSystem* fs, const std::string& dir,
                          const std::string& prefix,
                          ModelVersionContents* contents, int64_t* files) {
  if (dir.empty()) return absl::OkStatus();
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  for (const std::string& name : names) {
    const std::string path = JoinPath(dir, name);
    auto bytes = ReadFileToString(fs, path);
    if (!bytes.ok()) continue;  // a subdirectory
    contents->extra_files.push_back({prefix + "/" + name, std::move(*bytes)});
    ++*files;
  }
  if (*files == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, " holds no files to bundle as ", prefix, "/"));
  }
  return absl::OkStatus();
}

absl::Status Bundle(FileSystem* fs) {
  const std::string from = absl::GetFlag(FLAGS_export_from);
  if (from.empty()) {
    return absl::InvalidArgumentError(
        "give --inspect=VERSION_DIR, or --export_from=VERSION_DIR with "
        "--export_profiles/--export_segments/--export_content");
  }
  TAILOR_ASSIGN_OR_RETURN(nlohmann::json m, ReadModelManifest(fs, from));
  std::string trimmed = from;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  const std::string model_dir =
      slash == std::string::npos ? "." : trimmed.substr(0, slash);
  const size_t slash2 = model_dir.rfind('/');
  std::string base = absl::GetFlag(FLAGS_export_model_base);
  std::string name = absl::GetFlag(FLAGS_export_model_name);
  if (base.empty())
    base = slash2 == std::string::npos ? "." : model_dir.substr(0, slash2);
  if (name.empty()) name = m.value("model_name", "model");
  ModelVersionContents c;
  c.algorithm = m.value("algorithm", "");
  c.factors = m.value("factors", 0);
  c.hyperparameters = m.value("hyperparameters", nlohmann::json::object());
  c.dataset_dir = m.value("dataset", "");
  c.dataset_fingerprint = m.value("dataset_fingerprint", "");
  const nlohmann::json metrics = m.value("metrics", nlohmann::json::object());
  for (const auto& [k, v] : metrics.items()) {
    if (v.is_number()) c.metrics[k] = v.get<double>();
  }
  c.training = m.value("training", nlohmann::json::object());
  c.training["bundled_from"] = from;
  std::optional<FactorTable> users, items;
  for (const auto& f : m["files"]) {
    const std::string path = f["path"].get<std::string>();
    const std::string full = JoinPath(from, path);
    if (path == "user_factors.tft") {
      TAILOR_ASSIGN_OR_RETURN(FactorTable t, ReadFactorTable(fs, full));
      users = std::move(t);
    } else if (path == "item_factors.tft") {
      TAILOR_ASSIGN_OR_RETURN(FactorTable t, ReadFactorTable(fs, full));
      items = std::move(t);
    } else if (path.rfind("profiles/", 0) != 0 &&
               path.rfind("segments/", 0) != 0 &&
               path.rfind("content/", 0) != 0 &&
               !(absl::GetFlag(FLAGS_export_ranker_files) &&
                 IsRankerFile(path))) {
      TAILOR_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(fs, full));
      c.extra_files.push_back({path, std::move(bytes)});
    }
  }
  c.user_factors = users ? &*users : nullptr;
  c.item_factors = items ? &*items : nullptr;
  int64_t profiles = 0, segments = 0, content = 0;
  TAILOR_RETURN_IF_ERROR(AddDirectory(fs, absl::GetFlag(FLAGS_export_profiles),
                                      "profiles", &c, &profiles));
  TAILOR_RETURN_IF_ERROR(AddDirectory(fs, absl::GetFlag(FLAGS_export_segments),
                                      "segments", &c, &segments));
  TAILOR_RETURN_IF_ERROR(AddDirectory(fs, absl::GetFlag(FLAGS_export_content),
                                      "content", &c, &content));
  int64_t ranker_files = 0;
  if (absl::GetFlag(FLAGS_export_ranker_files)) {
    std::string dataset_dir = absl::GetFlag(FLAGS_export_dataset);
    if (dataset_dir.empty()) dataset_dir = c.dataset_dir;
    if (dataset_dir.empty()) {
      return absl::InvalidArgumentError(
          "--export_ranker_files needs the dataset: the version's manifest "
          "names none, give --export_dataset");
    }
    if (absl::GetFlag(FLAGS_export_popularity_items) < 1) {
      return absl::InvalidArgumentError(
          "--export_popularity_items must be >= 1");
    }
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> dataset,
                            Dataset::Open(fs, dataset_dir));
    ranker::VersionFilesOptions o;
    o.catalogue.description = absl::GetFlag(FLAGS_export_description_attribute);
    o.catalogue.price = absl::GetFlag(FLAGS_export_price_attribute);
    o.catalogue.categories = absl::GetFlag(FLAGS_export_category_attribute);
    o.popularity_items_per_value = absl::GetFlag(FLAGS_export_popularity_items);
    TAILOR_ASSIGN_OR_RETURN(auto files,
                            ranker::RankerVersionFiles(*dataset, m, o));
    for (auto& f : files) {
      c.extra_files.push_back(std::move(f));
      ++ranker_files;
    }
  }
  if (profiles + segments + content + ranker_files == 0) {
    return absl::InvalidArgumentError(
        "nothing to bundle: give --export_profiles, --export_segments, "
        "--export_content or --export_ranker_files");
  }
  TAILOR_ASSIGN_OR_RETURN(std::string version_dir,
                          ExportModelVersion(fs, base, name, c));
  nlohmann::json out = {
      {"command", "export"},         {"from", from},
      {"version_dir", version_dir},  {"profiles_files", profiles},
      {"segments_files", segments},  {"content_files", content},
      {"ranker_files", ranker_files}};
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "bundled %s with %lld profile, %lld segment, %lld content and %lld "
        "ranker files into %s\n",
        from.c_str(), static_cast<long long>(profiles),
        static_cast<long long>(segments), static_cast<long long>(content),
        static_cast<long long>(ranker_files), version_dir.c_str());
  }
  return absl::OkStatus();
}

int RunExport() {
  FileSystem* fs = PosixFileSystem();
  const std::string inspect = absl::GetFlag(FLAGS_inspect);
  absl::Status status = inspect.empty() ? Bundle(fs) : Inspect(fs, inspect);
  if (!status.ok()) {
    std::fprintf(stderr, "tailor export: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command ExportCommand() {
  Command c;
  c.name = "export";
  c.summary =
      "Bundle a model version with profile/segment/content artifacts and "
      "the ranker's files (catalogue, popularity by context, history, "
      "blend) into a new version, or --inspect what a version contains.";
  c.flags_file = __FILE__;
  c.shared_flags = {"json"};
  c.run = &RunExport;
  return c;
}

}  // namespace tailor
