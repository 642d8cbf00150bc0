#ifndef TAILOR_CORE_MODEL_MODEL_VERSION_H_
#define TAILOR_CORE_MODEL_MODEL_VERSION_H_

// The model version directory (docs/formats/model_version.md):
// <model_base>/<model_name>/<version>/ with manifest.json and the model's
// files. Written by the trainers' export step, read by the ranker and by
// `tailor eval`. Versions are published by an atomic rename, so a reader
// never sees a half-written one.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "nlohmann/json.hpp"

namespace tailor {

inline constexpr int kModelFormatVersion = 1;

// What a trained model consists of. Pointers are borrowed for the call.
struct ModelVersionContents {
  std::string algorithm;  // ials, als, biased_mf, ... (DESIGN.md)
  int factors = 0;
  nlohmann::json hyperparameters = nlohmann::json::object();
  std::string dataset_dir;
  std::string dataset_fingerprint;
  std::map<std::string, double> metrics;
  nlohmann::json training = nlohmann::json::object();  // epochs, seconds...
  const FactorTable* user_factors = nullptr;  // written as user_factors.tft
  const FactorTable* item_factors = nullptr;  // written as item_factors.tft
  // Further files: relative path -> bytes (e.g. similarity tables).
  std::vector<std::pair<std::string, std::string>> extra_files;
};

// Writes `contents` as version `version` of `model_name` under `model_base`
// (version 0 means one more than the largest existing version) into a
// temporary directory and renames it into place. Returns the version
// directory. ALREADY_EXISTS when the version exists.
absl::StatusOr<std::string> ExportModelVersion(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name, const ModelVersionContents& contents,
    int64_t version = 0);

// Reads `version_dir`/manifest.json and verifies the size and CRC-32C of
// every file it lists; errors name the file and the mismatch.
absl::StatusOr<nlohmann::json> ReadModelManifest(
    FileSystem* fs, const std::string& version_dir);

// Published versions of `model_name` under `model_base`, ascending.
absl::StatusOr<std::vector<int64_t>> ListModelVersions(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name);

// A short stable fingerprint of a dataset directory: "crc32c:" and 8 hex
// digits of its manifest.json.
absl::StatusOr<std::string> DatasetFingerprint(FileSystem* fs,
                                               const std::string& dataset_dir);

}  // namespace tailor

#endif  // TAILOR_CORE_MODEL_MODEL_VERSION_H_
