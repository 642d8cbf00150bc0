#ifndef TAILOR_TRAINER_LOCAL_MODEL_VERSION_RECOMMENDER_H_
#define TAILOR_TRAINER_LOCAL_MODEL_VERSION_RECOMMENDER_H_

// A Recommender that scores from an exported model version's factor tables
// (docs/formats/model_version.md), for `tailor eval --model=DIR`: user and
// item rows are matched to a dataset's dense indices by key. Score(u, i) =
// <p_u, q_i> + b_i; Predict adds the global mean and b_u for rating models
// (biased_mf, pmf, nmf, als). Users absent from the user table score by the
// item biases alone (0 without biases); items absent from the item table
// score -infinity (never recommended). Models without factor tables
// (item_knn, user_knn) are refused. Immutable after loading; thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/file_system.h"
#include "nlohmann/json.hpp"
#include "trainer/local/recommender.h"

namespace tailor {

struct LoadedModelVersion {
  nlohmann::json manifest;
  std::unique_ptr<Recommender> model;
  int64_t users_matched = 0;  // dataset users found in the user table
  int64_t items_matched = 0;  // dataset items found in the item table
};

// Reads and verifies `version_dir` (checksums) and matches its tables to
// `user_keys` / `item_keys` (the dataset's, by dense index). Errors name the
// directory: unreadable or corrupt files, no factor tables, no item of the
// dataset in the item table.
absl::StatusOr<LoadedModelVersion> LoadModelVersionRecommender(
    FileSystem* fs, const std::string& version_dir,
    absl::Span<const uint64_t> user_keys, absl::Span<const uint64_t> item_keys);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_MODEL_VERSION_RECOMMENDER_H_
