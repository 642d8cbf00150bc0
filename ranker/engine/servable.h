#ifndef TAILOR_RANKER_ENGINE_SERVABLE_H_
#define TAILOR_RANKER_ENGINE_SERVABLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

// Per-call information the engine passes to a servable model.
struct RankCall {
  // Work must stop (DEADLINE_EXCEEDED) once this passes.
  absl::Time deadline = absl::InfiniteFuture();
  // Returns true once the caller cancelled; checked between stages.
  std::function<bool()> cancelled;
  // The version label the request was resolved through ("" when none).
  std::string version_label;
  // The experiment arm ("" when none).
  std::string experiment_arm;
};

// One loaded, immutable model version that can answer Rank. Implemented by
// ranker/model (the real model) and by fakes in tests. Thread-safe: Rank is
// called concurrently from many threads.
class Servable {
 public:
  virtual ~Servable() = default;

  // Ranks for a request the engine has already validated (field ranges,
  // model name). Fills items, user_segment, cold_start and
  // unknown_candidates; the engine fills the version, label, arm, request id
  // and served_by fields.
  virtual absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request, const RankCall& call) const = 0;

  // Resident bytes held by this version (reported for swaps).
  virtual int64_t MemoryBytes() const = 0;
  virtual int64_t users() const = 0;
  virtual int64_t items() const = 0;
  virtual std::string algorithm() const = 0;
};

// Loads the version directory `version_dir` (manifest.json checked, every
// file's checksum verified) into a Servable. Errors name the file and what
// was wrong.
using ServableLoader =
    std::function<absl::StatusOr<std::shared_ptr<const Servable>>(
        const std::string& version_dir)>;

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_SERVABLE_H_
