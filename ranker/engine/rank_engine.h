#ifndef TAILOR_RANKER_ENGINE_RANK_ENGINE_H_
#define TAILOR_RANKER_ENGINE_RANK_ENGINE_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ranker/engine/servable.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

// What the gRPC adapter of the Ranker service calls. Implementations validate
// the request (INVALID_ARGUMENT naming the field, RESOURCE_EXHAUSTED for
// oversized requests), resolve model, version, label and experiment arm
// (NOT_FOUND / UNAVAILABLE), call the Servable, log the exposure and fill
// every field of the response. Thread-safe.
class RankEngine {
 public:
  virtual ~RankEngine() = default;

  virtual absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request, const RankCall& call) = 0;

  virtual absl::StatusOr<tailor::v1::GetModelStatusResponse> GetModelStatus(
      const tailor::v1::GetModelStatusRequest& request) = 0;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_RANK_ENGINE_H_
