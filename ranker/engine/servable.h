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

// Where one Rank call's time went, in microseconds, filled by a servable
// that supports tracing when RankCall::trace is set
// (docs/ranker_server.md "Per-request trace").
struct RankTrace {
  int64_t user_us = 0;       // resolving the user (factors, fold-in, profile)
  int64_t retrieval_us = 0;  // candidate lists (CF scan, content, ...)
  int64_t filter_us = 0;     // business filters over the candidates
  int64_t features_us = 0;   // the five component features
  int64_t blend_us = 0;      // blend, ordering, diversity
  int64_t response_us = 0;   // building the response
  int64_t candidates = 0;    // candidates after filtering
};

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
  // When set, the servable records its stage times here (not owned).
  RankTrace* trace = nullptr;
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
