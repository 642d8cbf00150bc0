// tailor_worker: one distributed training worker (docs/distributed.md).
//
//   tailor_worker --coordinator=127.0.0.1:5000 --worker_index=0 --threads=1
//
// Gets the job spec and the parameter-server addresses from the
// coordinator; exits 0 when the coordinator says the job is done, 1 with a
// message on stderr when it cannot continue. Serves its Prometheus metrics
// (tasks, rows, bytes, task times, failed calls) at
// http://--metrics_host:--metrics_port/metrics and logs one JSON object per
// line on stderr (docs/observability.md).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "core/logging/json_log.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/metrics_http_server.h"
#include "core/security/security_flags.h"
#include "core/server_main.h"
#include "parameter_server/ps_client.h"
#include "trainer/distributed/coordinator_client.h"
#include "trainer/distributed/worker.h"
#include "trainer/distributed/worker_metrics.h"

ABSL_FLAG(std::string, coordinator, "",
          "Required. The coordinator's host:port.");
ABSL_FLAG(int, worker_index, -1,
          "Worker slot to ask for (a restarted worker passes its old one); "
          "-1: any free slot.");
ABSL_FLAG(int, threads, 1, "Threads for the solves (OpenMP).");
ABSL_FLAG(int, coordinator_wait_ms, 120000,
          "How long the coordinator may be unreachable before the worker "
          "gives up (exit 1).");
ABSL_FLAG(int, rpc_timeout_ms, 10000,
          "Deadline of each coordinator RPC attempt, in ms.");
ABSL_FLAG(int, ps_rpc_timeout_ms, 30000,
          "Deadline of each parameter-server data call attempt, in ms (5 "
          "attempts with backoff; docs/netfault.md).");
ABSL_FLAG(std::string, metrics_host, "127.0.0.1",
          "Address of the Prometheus metrics endpoint "
          "(docs/observability.md).");
ABSL_FLAG(int, metrics_port, 0,
          "Metrics HTTP port (GET /metrics); 0 lets the OS choose (see "
          "--metrics_port_file), -1 turns the endpoint off.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, the chosen metrics port is written here (atomically).");
ABSL_FLAG(std::string, log_format, "json",
          "Standard-error log lines: json (one object per line) or text.");

namespace tailor::distributed {
namespace {

void PrintHelp() {
  std::fputs(
      BinaryHelp(
          "tailor_worker: a distributed Tailor training worker.\n\nusage: "
          "tailor_worker --coordinator=HOST:PORT [--flag=value ...]",
          "worker_main.cc")
          .c_str(),
      stdout);
}

int Run() {
  GrpcCoordinatorClientOptions co;
  co.address = absl::GetFlag(FLAGS_coordinator);
  co.timeout_ms = std::max(1, absl::GetFlag(FLAGS_rpc_timeout_ms));
  if (co.address.empty()) {
    std::fprintf(stderr,
                 "tailor_worker: --coordinator=HOST:PORT is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_threads) < 1) {
    std::fprintf(stderr, "tailor_worker: --threads must be >= 1\n");
    return 2;
  }
  absl::StatusOr<logging::LogFormat> log_format =
      logging::ParseLogFormat(absl::GetFlag(FLAGS_log_format), "log_format");
  if (!log_format.ok()) {
    std::fprintf(stderr, "tailor_worker: %s\n",
                 std::string(log_format.status().message()).c_str());
    return 2;
  }
  logging::Logger log({"tailor_worker", *log_format, nullptr, nullptr});
  // The worker's certificate is used on its coordinator and shard channels.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      security::ChannelCredentialsFromFlags("tailor_worker");
  if (!credentials.ok()) {
    log.Error("refusing to start",
              {{"error", std::string(credentials.status().message())}});
    return 2;
  }
  co.credentials = *credentials;
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
      NewGrpcCoordinatorClient(co);
  if (!client.ok()) {
    log.Error("bad coordinator address",
              {{"error", client.status().ToString()}});
    return 2;
  }
  // Destroyed in reverse order: the endpoint stops before the metrics go.
  metrics::MetricRegistry registry;
  WorkerMetrics worker_metrics(&registry);
  std::unique_ptr<CoordinatorClient> counted_client =
      worker_metrics.WrapCoordinatorClient(client->get());
  metrics::MetricsHttpServerOptions metrics_options;
  metrics_options.host = absl::GetFlag(FLAGS_metrics_host);
  metrics_options.port = absl::GetFlag(FLAGS_metrics_port);
  absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> metrics_server =
      metrics::StartMetricsEndpoint(PosixFileSystem(), metrics_options,
                                    absl::GetFlag(FLAGS_metrics_port_file),
                                    &registry);
  if (!metrics_server.ok()) {
    log.Error("metrics endpoint failed",
              {{"error", metrics_server.status().ToString()}});
    return 1;
  }

  WorkerOptions options;
  options.requested_worker_index = absl::GetFlag(FLAGS_worker_index);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.log = &log;
  options.coordinator_wait_ms =
      std::max(1, absl::GetFlag(FLAGS_coordinator_wait_ms));
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) options.hostname = host;
  const int64_t ps_timeout_ms =
      std::max(1, absl::GetFlag(FLAGS_ps_rpc_timeout_ms));
  options.ps_factory = [ps_timeout_ms, creds = *credentials,
                        &worker_metrics](const PsClientOptions& o)
      -> absl::StatusOr<std::unique_ptr<PsClient>> {
    PsClientOptions with_timeout = o;
    with_timeout.timeout_ms = ps_timeout_ms;
    with_timeout.credentials = creds;
    absl::StatusOr<std::unique_ptr<PsClient>> ps =
        PsClient::Create(with_timeout);
    if (!ps.ok()) return ps.status();
    return worker_metrics.WrapPsClient(*std::move(ps));
  };
  log.Info("starting", {{"coordinator", co.address},
                        {"worker_index", options.requested_worker_index},
                        {"threads", options.threads},
                        {"hostname", options.hostname},
                        {"metrics_port",
                         *metrics_server ? (*metrics_server)->port() : -1}});
  Worker worker(options, counted_client.get());
  absl::Status status = worker.Run();
  if (!status.ok()) {
    log.Error("stopped", {{"error", status.ToString()}});
    return 1;
  }
  log.Info("stopped", {{"reason", "the job is done"}});
  return 0;
}

}  // namespace
}  // namespace tailor::distributed

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (tailor::IsHelpArg(argv[i])) {
      tailor::distributed::PrintHelp();
      return 0;
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "tailor_worker: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return tailor::distributed::Run();
}
