#ifndef TAILOR_RANKER_ENGINE_EXPERIMENTS_CONFIG_H_
#define TAILOR_RANKER_ENGINE_EXPERIMENTS_CONFIG_H_

// The experiments config file (docs/formats/ranker_experiments.md): per
// model at most one traffic split. A unit id (user or session) hashes with
// the experiment's salt to one of 10,000 buckets; bucket ranges map to arms;
// an arm serves a version or a label. Assignment is deterministic and
// sticky: the same salt and unit always give the same arm. Immutable value;
// thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor::ranker {

inline constexpr int kExperimentBuckets = 10000;

// The bucket of `unit_id` under `salt`, in [0, kExperimentBuckets):
// SipHash-2-4 with the all-zero key over (8-byte little-endian length of
// salt, salt, unit_id), modulo 10,000.
int ExperimentBucket(absl::string_view salt, absl::string_view unit_id);

struct ExperimentArm {
  std::string name;
  // Exactly one of version (>= 1) and label is set.
  std::optional<int64_t> version;
  std::string label;
  // Half-open bucket ranges [begin, end) within [0, 10000).
  std::vector<std::pair<int, int>> buckets;
};

struct Experiment {
  std::string name;
  std::string model;
  std::string salt;
  std::vector<ExperimentArm> arms;
  // Arm index per bucket, -1 for buckets outside every range.
  std::vector<int16_t> arm_of_bucket;

  // The arm of `unit_id`, or nullptr when its bucket belongs to no arm.
  const ExperimentArm* Assign(absl::string_view unit_id) const;
};

class ExperimentsConfig {
 public:
  // Parses the JSON text. INVALID_ARGUMENT naming `source` and the
  // experiment/arm at fault for: unknown keys, missing or empty names or
  // salt, an arm with both or neither of version and label, ranges outside
  // [0, 10000) or empty, overlapping ranges, two experiments on one model.
  static absl::StatusOr<ExperimentsConfig> Parse(absl::string_view json_text,
                                                 absl::string_view source);

  // The experiment running on `model`, or nullptr.
  const Experiment* ForModel(absl::string_view model) const;
  const std::vector<Experiment>& experiments() const { return experiments_; }

 private:
  std::vector<Experiment> experiments_;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_EXPERIMENTS_CONFIG_H_
