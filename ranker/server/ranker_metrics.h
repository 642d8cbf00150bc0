#ifndef TAILOR_RANKER_SERVER_RANKER_METRICS_H_
#define TAILOR_RANKER_SERVER_RANKER_METRICS_H_

// The ranker's Prometheus metrics (names and meanings in
// docs/ranker_server.md): requests and errors by method and status code, a
// latency histogram, responses per served version, experiment-arm
// assignments, cold starts, load shedding, and — refreshed from
// GetModelStatus — loaded versions by state, default versions and swap
// events. No gRPC here. Thread-safe.

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/metrics/metric_registry.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

class RankerMetrics {
 public:
  // Registers the ranker's families in `registry`, which must outlive this.
  explicit RankerMetrics(metrics::MetricRegistry* registry);

  // One finished call of `method` ("Rank", "GetModelStatus") with its final
  // status and time in the server. `response` (may be null) is the Rank
  // answer when the status is OK.
  void RecordCall(const std::string& method, const absl::Status& status,
                  absl::Duration latency,
                  const tailor::v1::RankResponse* response);

  // A Rank call refused before any work because the work queue was full.
  void RecordShed();

  // Replaces the version gauges with `status` and counts a swap each time a
  // model's default version differs from the one seen at the previous call.
  void UpdateModelStatus(const tailor::v1::GetModelStatusResponse& status);

  int64_t swaps() const;

 private:
  metrics::MetricFamily<metrics::Counter>* requests_;
  metrics::MetricFamily<metrics::Histogram>* latency_;
  metrics::MetricFamily<metrics::Counter>* served_;
  metrics::MetricFamily<metrics::Counter>* arms_;
  metrics::MetricFamily<metrics::Counter>* cold_starts_;
  metrics::MetricFamily<metrics::Counter>* shed_;
  metrics::MetricFamily<metrics::Gauge>* versions_;
  metrics::MetricFamily<metrics::Gauge>* default_version_;
  metrics::MetricFamily<metrics::Counter>* swaps_;

  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> last_default_ ABSL_GUARDED_BY(mu_);
  int64_t swap_count_ ABSL_GUARDED_BY(mu_) = 0;
};

// True when at least one model has a version in state AVAILABLE.
bool AnyVersionAvailable(const tailor::v1::GetModelStatusResponse& status);

// "AVAILABLE", "LOADING", ... for the metrics label.
std::string VersionStateName(tailor::v1::ModelVersionState state);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_RANKER_METRICS_H_
