#ifndef TAILOR_RANKER_SERVER_RANKER_SERVICE_H_
#define TAILOR_RANKER_SERVER_RANKER_SERVICE_H_

// The gRPC face of the ranker: a thin callback-API adapter (tailor.v1.Ranker)
// over a RankEngine. Rank runs on a WorkQueue, never on gRPC's callback
// threads; the call's deadline becomes RankCall::deadline and the context's
// cancellation RankCall::cancelled; absl::Status becomes grpc::Status only
// through core/grpc_status.h. A full queue answers RESOURCE_EXHAUSTED. gRPC
// types stay out of this header. Thread-safe.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/logging/json_log.h"
#include "ranker/engine/rank_engine.h"
#include "ranker/server/ranker_metrics.h"
#include "ranker/server/work_queue.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace tailor::ranker {

struct RankerServiceOptions {
  // Rank worker threads and the queue bound (see WorkQueueOptions).
  WorkQueueOptions work;
  // Written into RankResponse.served_by when the engine left them empty.
  std::string hostname;
  std::string replica;
  std::string build;
  // When set, one line per finished Rank call ("rank": request id, model,
  // version, label, arm, code, latency_us; docs/observability.md). Not
  // owned; give it a logger over an AsyncLogSink so the call never waits
  // on the log's output.
  logging::Logger* request_log = nullptr;
};

// The request-log line of one finished Rank call (what RankerService writes
// to RankerServiceOptions::request_log). `response` may be null (errors).
void LogRankCall(logging::Logger* log, const tailor::v1::RankRequest& request,
                 const tailor::v1::RankResponse* response,
                 const absl::Status& status, absl::Duration latency);

// A Rank request with explain = true gets the model's stage times
// (RankTrace) back in this trailing metadata entry, as FormatRankTrace text:
// "user_us=.. retrieval_us=.. filter_us=.. features_us=.. blend_us=..
// response_us=.. candidates=..".
inline constexpr char kRankTraceMetadataKey[] = "tailor-trace";
std::string FormatRankTrace(const RankTrace& trace);

class RankerService {
 public:
  // `engine` and `metrics` (may be null) must outlive the service.
  static std::unique_ptr<RankerService> Create(
      RankEngine* engine, RankerMetrics* metrics,
      const RankerServiceOptions& options);
  virtual ~RankerService() = default;

  // Register with grpc::ServerBuilder::RegisterService.
  virtual grpc::Service* grpc_service() = 0;
  // New calls are answered UNAVAILABLE; calls already accepted finish.
  virtual void BeginShutdown() = 0;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_RANKER_SERVICE_H_
