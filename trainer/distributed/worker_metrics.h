#ifndef TAILOR_TRAINER_DISTRIBUTED_WORKER_METRICS_H_
#define TAILOR_TRAINER_DISTRIBUTED_WORKER_METRICS_H_

// Prometheus metrics of a training worker (docs/observability.md), observed
// at the worker's two client seams so the worker itself knows nothing of
// metrics: a CoordinatorClient decorator sees each task's final report
// (DONE or FAILED, with its rows and bytes pulled and pushed and its wall
// time) and the errors of coordinator calls; a PsClient decorator sees the
// errors of parameter-server calls. Thread-safe.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/metrics/metric_registry.h"
#include "parameter_server/ps_client.h"
#include "tailor/v1/coordinator.pb.h"
#include "trainer/distributed/coordinator_client.h"

namespace tailor::distributed {

class WorkerMetrics {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit WorkerMetrics(metrics::MetricRegistry* registry);

  // Decorators that count into this object, which must outlive them.
  // `inner` of the coordinator client is not owned.
  std::unique_ptr<CoordinatorClient> WrapCoordinatorClient(
      CoordinatorClient* inner);
  std::unique_ptr<PsClient> WrapPsClient(std::unique_ptr<PsClient> inner);

  // What the decorators call: a task's report (counted once it says DONE or
  // FAILED) and a failed call (`service` "coordinator" or
  // "parameter_server"; OK statuses are ignored).
  void RecordReport(const tailor::v1::ReportProgressRequest& report);
  void RecordCall(const std::string& service, const std::string& method,
                  const absl::Status& status);

 private:
  metrics::MetricFamily<metrics::Counter>* tasks_;
  metrics::MetricFamily<metrics::Histogram>* task_seconds_;
  metrics::MetricFamily<metrics::Counter>* rows_;
  metrics::MetricFamily<metrics::Counter>* bytes_;
  metrics::MetricFamily<metrics::Counter>* rows_solved_;
  metrics::MetricFamily<metrics::Counter>* rpc_errors_;
};

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_WORKER_METRICS_H_
