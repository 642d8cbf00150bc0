#ifndef TAILOR_TESTS_FUZZ_TINY_MODEL_H_
#define TAILOR_TESTS_FUZZ_TINY_MODEL_H_

// A complete model version directory of the ranker's small test model
// (ranker/model/test_model.h: 8 items, users 100 and 200), every file the
// hybrid loader reads (docs/ranker_model.md), written through the real
// writers and ExportModelVersion. Used by the ranker fuzz targets and the
// seed-corpus writer. Stateless.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/file_system.h"

namespace tailor {

// (path relative to the version directory, bytes) of each file except
// manifest.json.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
TinyModelFiles();

// Exports the tiny model as a new version of `model_name` under
// `model_base`; returns the version directory.
absl::StatusOr<std::string> WriteTinyModelVersion(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name);

}  // namespace tailor

#endif  // TAILOR_TESTS_FUZZ_TINY_MODEL_H_
