#ifndef TAILOR_RANKER_SERVER_RANKER_SERVER_H_
#define TAILOR_RANKER_SERVER_RANKER_SERVER_H_

// A running ranker: the Ranker service (RankerService over a RankEngine),
// grpc.health.v1.Health and server reflection on one gRPC port, and the
// Prometheus metrics endpoint over HTTP on another. A poller thread reads
// the engine's GetModelStatus every poll interval to refresh the version
// metrics and to switch health to SERVING once any model version is
// AVAILABLE (NOT_SERVING before). Optionally a second, plaintext gRPC port
// serves only the health service with the same status, for probes that
// cannot speak TLS (Kubernetes gRPC probes). Used by ranker_main.cc and by
// tests. Thread-safe.

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/health_only_server.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/metrics_http_server.h"
#include "ranker/engine/rank_engine.h"
#include "ranker/server/ranker_metrics.h"
#include "ranker/server/ranker_service.h"

namespace grpc {
class Server;
class ServerCredentials;
}  // namespace grpc

namespace tailor::ranker {

struct RankerServerOptions {
  // gRPC address; port 0 lets the OS choose (see port()).
  std::string host = "127.0.0.1";
  int port = 0;
  // Metrics HTTP endpoint; port 0 lets the OS choose, -1 disables it.
  std::string metrics_host = "127.0.0.1";
  int metrics_port = 0;
  // Rank workers, queue bound, served_by fields.
  RankerServiceOptions service;
  // How often GetModelStatus is polled for health and version metrics.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // Transport security of the gRPC port (docs/security.md); null: plaintext
  // (InsecureServerCredentials), for in-process tests. tailor_ranker always
  // sets it from its flags.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Plaintext health-only port (grpc.health.v1.Health; no Ranker service):
  // -1 off, 0 lets the OS choose (see health_port()).
  std::string health_host = "127.0.0.1";
  int health_port = -1;
};

class RankerServer {
 public:
  // `engine` must outlive the server. UNAVAILABLE when a port cannot be
  // bound, INVALID_ARGUMENT for bad options.
  static absl::StatusOr<std::unique_ptr<RankerServer>> Start(
      const RankerServerOptions& options, RankEngine* engine);
  // Shutdown(absl::Seconds(5)) if not done yet.
  ~RankerServer();

  int port() const { return port_; }
  // -1 when the metrics endpoint is disabled.
  int metrics_port() const;
  // -1 when there is no health-only port.
  int health_port() const { return health_port_; }
  std::string address() const;

  // Refuses new calls, waits up to `grace` for running ones, then cancels
  // the rest and stops every thread. Idempotent.
  void Shutdown(absl::Duration grace);

  // Polls GetModelStatus now (what the poller does each interval); returns
  // whether the server is SERVING afterwards.
  bool RefreshModelStatus();
  bool serving() const;

  metrics::MetricRegistry& registry() { return registry_; }
  RankerMetrics& metrics() { return *metrics_; }

 private:
  RankerServer() = default;
  void PollLoop();
  // Sets the overall and the Ranker service's health on the gRPC port and
  // on the health-only port (if any).
  void SetHealth(bool serving);

  RankEngine* engine_ = nullptr;
  absl::Duration poll_interval_;
  metrics::MetricRegistry registry_;
  std::unique_ptr<RankerMetrics> metrics_;
  std::unique_ptr<RankerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HealthOnlyServer> health_server_;  // null: no health port
  int health_port_ = -1;
  std::unique_ptr<metrics::MetricsHttpServer> http_;
  std::string host_;
  int port_ = 0;
  std::thread poller_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_RANKER_SERVER_H_
