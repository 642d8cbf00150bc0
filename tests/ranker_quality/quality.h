#ifndef TAILOR_TESTS_RANKER_QUALITY_QUALITY_H_
#define TAILOR_TESTS_RANKER_QUALITY_QUALITY_H_

// The ranker's quality table (docs/ranker_model.md, "Quality"): a temporal
// protocol over a dataset with timestamps. Components are built from the
// events before a cut-off exactly as a served version carries them (iALS
// factors, TF-IDF item content, K-means segments over the user factors with
// their item lift, popularity by country and hour), the blend weights are
// learned on the month before the cut-off (components rebuilt from the
// events before that month), and users with events after the cut-off are
// ranked through the real HybridModel: pure CF (weights 1,0,0,0,0) against
// the learned hybrid blend, overall, for known users, on items first sold
// after the cut-off, and for customers first seen after it (ranked as a
// new visitor with their country only). Stateless functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/format/sparse_block.h"
#include "nlohmann/json.hpp"
#include "ranker/model/blend_learner.h"
#include "ranker/model/blend_weights.h"

namespace tailor::ranker {

struct QualityData {
  EntityColumns users;
  EntityColumns items;
  SparseBlock user_major;  // with timestamps (unix seconds)
};

struct QualityOptions {
  int64_t cutoff_unix_s = 0;            // test: events at or after it
  int64_t validation_start_unix_s = 0;  // blend learned on [this, cutoff)
  int factors = 32;
  int iterations = 10;
  float regularization = 0.1f;
  float alpha = 10.0f;
  int segments = 8;
  int k = 20;
  uint64_t seed = 42;
  int threads = 0;
};

struct QualityRow {
  std::string part;  // all, known_users, new_items, new_users
  RankingMetrics cf;
  RankingMetrics hybrid;
};

struct QualityReport {
  std::vector<QualityRow> rows;
  BlendWeights blend;  // learned
  RankingMetrics validation_cf, validation_hybrid;
  int64_t train_events = 0, test_events = 0;
  int64_t new_items = 0, new_users = 0;
  double seconds = 0;
};

absl::StatusOr<QualityData> LoadQualityData(FileSystem* fs,
                                            const std::string& dataset_dir);

// INVALID_ARGUMENT for a dataset without timestamps, or an empty side.
absl::StatusOr<QualityReport> RunQuality(const QualityData& data,
                                         const QualityOptions& options);

std::string FormatQualityTable(const QualityReport& report);
nlohmann::json QualityToJson(const QualityReport& report);

}  // namespace tailor::ranker

#endif  // TAILOR_TESTS_RANKER_QUALITY_QUALITY_H_
