#ifndef TAILOR_RANKER_ENGINE_VERSION_POLICY_H_
#define TAILOR_RANKER_ENGINE_VERSION_POLICY_H_

// Which versions of a model to serve, as a stateless policy: given what is
// on disk, what failed, what is loaded and what labels or experiments pin,
// PlanVersions says what to load and what to unload. The model manager
// executes plans; the rules live here and are tested by tables of states.
// Pure functions; thread-safe.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor::ranker {

struct VersionPolicy {
  enum class Kind { kLatest, kSpecific };
  Kind kind = Kind::kLatest;
  // kLatest: serve the newest `latest_count` (>= 1) loadable versions.
  int latest_count = 1;
  // kSpecific: serve exactly these versions (those that exist and load).
  std::set<int64_t> versions;

  static VersionPolicy Latest(int n);
  static VersionPolicy Specific(std::set<int64_t> versions);
};

// Parses "latest" (= latest:1), "latest:N" (N >= 1) or "versions:V1,V2,..."
// (each >= 1). INVALID_ARGUMENT quoting the text otherwise.
absl::StatusOr<VersionPolicy> ParseVersionPolicy(absl::string_view text);
// The inverse of ParseVersionPolicy.
std::string FormatVersionPolicy(const VersionPolicy& policy);

// What the manager knows about one model's versions.
struct VersionState {
  std::set<int64_t> on_disk;    // published version directories
  std::set<int64_t> failed;     // rejected loads; never retried
  std::set<int64_t> available;  // loaded and serving
  std::set<int64_t> pinned;     // named by labels or experiment arms
};

struct VersionPlan {
  // Versions that should serve: the policy's choice among on_disk minus
  // failed, plus pinned versions that are on disk and not failed.
  std::set<int64_t> aspired;
  // aspired minus available, newest first.
  std::vector<int64_t> to_load;
  // Available versions to release, oldest first.
  std::vector<int64_t> to_unload;
};

// Rules:
// - A failed version is skipped, so "latest 1" falls back to the newest good
//   version below it.
// - Availability-preserving (unload_first = false): nothing is unloaded
//   while anything remains to load, so the old version serves until the new
//   one is ready.
// - unload_first = true: versions leaving service are unloaded before the new
//   ones load (a gap without a version, for tight memory).
// - Never the last good version: when no aspired version is available and
//   none is left to load, the newest available version stays.
VersionPlan PlanVersions(const VersionPolicy& policy, const VersionState& state,
                         bool unload_first);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_VERSION_POLICY_H_
