#include "core/model/model_version.h"

#include <algorithm>
#include <cinttypes>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/format/checksum.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

constexpr char kManifest[] = "manifest.json";
constexpr char kUserFactors[] = "user_factors.tft";
constexpr char kItemFactors[] = "item_factors.tft";

std::string Hex32(uint32_t v) { return absl::StrFormat("%08x", v); }

// Rejects names that could escape the version directory.
absl::Status CheckRelativePath(const std::string& path) {
  if (path.empty() || path[0] == '/' || absl::StrContains(path, "..") ||
      path == kManifest) {
    return absl::InvalidArgumentError(
        absl::StrCat("model file name '", path, "' is not allowed"));
  }
  return absl::OkStatus();
}

absl::Status WriteAndRecord(FileSystem* fs, const std::string& dir,
                            const std::string& name, absl::string_view bytes,
                            nlohmann::json& files) {
  const std::string path = JoinPath(dir, name);
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos) {
    TAILOR_RETURN_IF_ERROR(
        fs->CreateDirs(JoinPath(dir, name.substr(0, slash))));
  }
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, path, bytes));
  files.push_back({{"path", name},
                   {"bytes", bytes.size()},
                   {"crc32c", Hex32(Crc32c(bytes))}});
  return absl::OkStatus();
}

absl::Status WriteTable(FileSystem* fs, const std::string& dir,
                        const std::string& name, const FactorTable& table,
                        nlohmann::json& files) {
  const std::string path = JoinPath(dir, name);
  TAILOR_RETURN_IF_ERROR(WriteFactorTable(fs, path, table));
  TAILOR_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(fs, path));
  files.push_back({{"path", name},
                   {"bytes", bytes.size()},
                   {"crc32c", Hex32(Crc32c(bytes))}});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> ListModelVersions(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name) {
  const std::string dir = JoinPath(model_base, model_name);
  std::vector<int64_t> versions;
  if (!fs->Exists(dir)) return versions;
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  for (const std::string& name : names) {
    int64_t v = 0;
    if (absl::SimpleAtoi(name, &v) && v > 0 && absl::StrCat(v) == name) {
      versions.push_back(v);
    }
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<std::string> DatasetFingerprint(FileSystem* fs,
                                               const std::string& dataset_dir) {
  TAILOR_ASSIGN_OR_RETURN(
      std::string manifest,
      ReadFileToString(fs, JoinPath(dataset_dir, kManifest)));
  return absl::StrCat("crc32c:", Hex32(Crc32c(manifest)));
}

absl::StatusOr<std::string> ExportModelVersion(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name, const ModelVersionContents& contents,
    int64_t version) {
  if (model_name.empty() || absl::StrContains(model_name, "/") ||
      model_name[0] == '.') {
    return absl::InvalidArgumentError(
        absl::StrCat("model name '", model_name, "' is not a plain name"));
  }
  if (contents.algorithm.empty()) {
    return absl::InvalidArgumentError("model algorithm is empty");
  }
  const std::string model_dir = JoinPath(model_base, model_name);
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(model_dir));
  if (version <= 0) {
    TAILOR_ASSIGN_OR_RETURN(std::vector<int64_t> versions,
                            ListModelVersions(fs, model_base, model_name));
    version = versions.empty() ? 1 : versions.back() + 1;
  }
  const std::string final_dir = JoinPath(model_dir, absl::StrCat(version));
  if (fs->Exists(final_dir)) {
    return absl::AlreadyExistsError(
        absl::StrCat("model version ", final_dir, " already exists"));
  }
  const std::string tmp_dir =
      JoinPath(model_dir, absl::StrCat(".tmp-", version));
  if (fs->Exists(tmp_dir))
    TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(tmp_dir));
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(tmp_dir));

  nlohmann::json files = nlohmann::json::array();
  if (contents.user_factors != nullptr) {
    TAILOR_RETURN_IF_ERROR(
        WriteTable(fs, tmp_dir, kUserFactors, *contents.user_factors, files));
  }
  if (contents.item_factors != nullptr) {
    TAILOR_RETURN_IF_ERROR(
        WriteTable(fs, tmp_dir, kItemFactors, *contents.item_factors, files));
  }
  for (const auto& [name, bytes] : contents.extra_files) {
    TAILOR_RETURN_IF_ERROR(CheckRelativePath(name));
    TAILOR_RETURN_IF_ERROR(WriteAndRecord(fs, tmp_dir, name, bytes, files));
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : contents.metrics) metrics[name] = value;
  nlohmann::json manifest = {
      {"format_version", kModelFormatVersion},
      {"model_name", model_name},
      {"version", version},
      {"algorithm", contents.algorithm},
      {"factors", contents.factors},
      {"hyperparameters", contents.hyperparameters},
      {"dataset", contents.dataset_dir},
      {"dataset_fingerprint", contents.dataset_fingerprint},
      {"metrics", metrics},
      {"training", contents.training},
      {"created",
       absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone())},
      {"files", files},
  };
  // dump() throws on a string that is not valid UTF-8 (a hyperparameter,
  // metric name or file name from outside): refuse the export instead.
  std::string manifest_text;
  try {
    manifest_text = manifest.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    (void)fs->DeleteRecursively(tmp_dir);
    return absl::InvalidArgumentError(
        absl::StrCat("model version ", final_dir,
                     ": a manifest field is not valid UTF-8: ", e.what()));
  }
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(tmp_dir, kManifest), manifest_text));
  TAILOR_RETURN_IF_ERROR(fs->Rename(tmp_dir, final_dir));
  return final_dir;
}

absl::StatusOr<nlohmann::json> ReadModelManifest(
    FileSystem* fs, const std::string& version_dir) {
  const std::string path = JoinPath(version_dir, kManifest);
  TAILOR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(fs, path));
  nlohmann::json manifest =
      nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return absl::DataLossError(absl::StrCat(path, ": not a JSON object"));
  }
  for (const char* field :
       {"format_version", "algorithm", "factors", "hyperparameters",
        "dataset_fingerprint", "metrics", "files"}) {
    if (!manifest.contains(field)) {
      return absl::DataLossError(
          absl::StrCat(path, ": missing field '", field, "'"));
    }
  }
  if (!manifest["format_version"].is_number_integer() ||
      manifest["format_version"].get<int64_t>() != kModelFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": unsupported format_version ",
                     manifest["format_version"].dump()));
  }
  if (!manifest["files"].is_array()) {
    return absl::DataLossError(absl::StrCat(path, ": 'files' is not a list"));
  }
  for (const nlohmann::json& file : manifest["files"]) {
    if (!file.is_object() || !file.contains("path") ||
        !file["path"].is_string() || !file.contains("bytes") ||
        !file["bytes"].is_number_unsigned() || !file.contains("crc32c") ||
        !file["crc32c"].is_string()) {
      return absl::DataLossError(
          absl::StrCat(path, ": malformed file entry ", file.dump()));
    }
    const std::string name = file["path"].get<std::string>();
    TAILOR_RETURN_IF_ERROR(CheckRelativePath(name));
    TAILOR_ASSIGN_OR_RETURN(std::string bytes,
                            ReadFileToString(fs, JoinPath(version_dir, name)));
    if (bytes.size() != file["bytes"].get<uint64_t>()) {
      return absl::DataLossError(absl::StrCat(
          JoinPath(version_dir, name), ": size ", bytes.size(),
          " differs from the manifest's ", file["bytes"].get<uint64_t>()));
    }
    const std::string crc = Hex32(Crc32c(bytes));
    if (crc != file["crc32c"].get<std::string>()) {
      return absl::DataLossError(absl::StrCat(
          JoinPath(version_dir, name), ": crc32c ", crc,
          " differs from the manifest's ", file["crc32c"].get<std::string>()));
    }
  }
  return manifest;
}

}  // namespace tailor
