#ifndef TAILOR_CORE_METRICS_METRICS_HTTP_SERVER_H_
#define TAILOR_CORE_METRICS_METRICS_HTTP_SERVER_H_

// A small HTTP server (CivetWeb, Debian's libcivetweb) that answers
// `GET /metrics` with a MetricRegistry in the Prometheus text format and
// `GET /healthz` with "ok". Other paths get 404 (no files are
// served), other methods 405. It runs
// its own threads; the registry must outlive the server. Thread-safe.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "core/metrics/metric_registry.h"

struct mg_connection;
struct mg_context;

namespace tailor::metrics {

struct MetricsHttpServerOptions {
  // Address to listen on; loopback by default.
  std::string host = "127.0.0.1";
  // 0: the OS chooses (see port()).
  int port = 0;
  // Request-handling threads.
  int threads = 2;
};

class MetricsHttpServer {
 public:
  // Listens and serves until destroyed. UNAVAILABLE (with CivetWeb's reason)
  // when the address cannot be bound; INVALID_ARGUMENT for a bad port or
  // thread count.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const MetricsHttpServerOptions& options, const MetricRegistry* registry);
  ~MetricsHttpServer();

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The port actually bound.
  int port() const { return port_; }

 private:
  explicit MetricsHttpServer(const MetricRegistry* registry)
      : registry_(registry) {}
  static int HandleMetrics(struct mg_connection* conn, void* self);
  static int HandleHealth(struct mg_connection* conn, void* self);

  const MetricRegistry* const registry_;
  struct mg_context* context_ = nullptr;
  int port_ = 0;
};

// A server's metrics endpoint from its flags: null when options.port < 0
// (the endpoint is off); otherwise the started server, whose bound port is
// also written to `port_file` (when not empty) through a temporary file and
// a rename, so a reader never sees a partial number.
absl::StatusOr<std::unique_ptr<MetricsHttpServer>> StartMetricsEndpoint(
    FileSystem* fs, const MetricsHttpServerOptions& options,
    const std::string& port_file, const MetricRegistry* registry);

}  // namespace tailor::metrics

#endif  // TAILOR_CORE_METRICS_METRICS_HTTP_SERVER_H_
