// tailor_coordinator: drives one distributed training job
// (docs/distributed.md).
//
//   tailor_coordinator --port=0 --port_file=/tmp/coord.port
//       --job_spec=job.textproto --ps_addresses=127.0.0.1:4001,127.0.0.1:4002
//       --state_dir=/tmp/job --num_workers=2 --export_base=/models
//       --export_name=retail --progress_json
//
// Serves tailor.v1.Coordinator, grpc.health.v1.Health and server reflection
// on --host:--port and its Prometheus metrics at
// http://--metrics_host:--metrics_port/metrics; logs one JSON object per
// line on stderr (docs/observability.md); exits 0 once the job completed
// (and was exported), non-zero with a message on stderr otherwise.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/file_system.h"
#include "core/health_only_server.h"
#include "core/logging/json_log.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/metrics_http_server.h"
#include "core/security/security_flags.h"
#include "core/server_main.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "nlohmann/json.hpp"
#include "parameter_server/ps_client.h"
#include "trainer/distributed/coordinator.h"
#include "trainer/distributed/coordinator_event_metrics.h"
#include "trainer/distributed/coordinator_metrics.h"
#include "trainer/distributed/coordinator_service.h"

ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on (127.0.0.1 = loopback only; 0.0.0.0 = all).");
ABSL_FLAG(int, port, 0, "TCP port; 0 lets the OS choose (see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the chosen port is written here (atomically, by rename) "
          "once the server accepts calls.");
ABSL_FLAG(std::string, job_spec, "",
          "Required. Text-format tailor.v1.JobSpec file.");
ABSL_FLAG(std::string, dataset, "",
          "Dataset directory; overrides the job spec's dataset_dir.");
ABSL_FLAG(std::string, ps_addresses, "",
          "Required. Parameter-server shards host:port,host:port in shard "
          "order.");
ABSL_FLAG(std::string, state_dir, "",
          "Required, absolute. Coordinator state and the shards' checkpoints "
          "(start the shards with --checkpoint_dir=<this>); a restarted "
          "coordinator resumes from it.");
ABSL_FLAG(int, num_workers, 1, "Number of worker slots.");
ABSL_FLAG(std::string, export_base, "",
          "Model base directory (default: the job spec's model_export).");
ABSL_FLAG(std::string, export_name, "",
          "Model name (default: the job spec's model_export, else the job "
          "name).");
ABSL_FLAG(bool, progress_json, false,
          "Print one JSON object per finished iteration on stdout, and a "
          "final {\"done\":...} line.");
ABSL_FLAG(int, lease_ms, 10000,
          "Worker lease: a worker silent this long is lost, its task "
          "reassigned.");
ABSL_FLAG(int, heartbeat_interval_ms, 1000,
          "Heartbeat interval told to workers (< --lease_ms).");
ABSL_FLAG(int, shard_wait_ms, 120000,
          "How long the job waits for an unreachable shard before failing.");
ABSL_FLAG(int, worker_wait_ms, 600000,
          "How long pending work waits with no live worker before failing.");
ABSL_FLAG(int, task_deadline_ms, 900000,
          "A task running this long without a report is withdrawn and "
          "offered again (a failed attempt; 0: no deadline).");
ABSL_FLAG(int, loss_every, 1,
          "ALS: compute the training loss every this many iterations and "
          "after the last (0: last only); other progress lines carry null.");
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
ABSL_FLAG(std::string, health_host, "127.0.0.1",
          "Address of the plaintext health-only port.");
ABSL_FLAG(int, health_port, -1,
          "Plaintext gRPC port serving only grpc.health.v1.Health (for "
          "probes that cannot speak TLS); -1 off, 0 lets the OS choose (see "
          "--health_port_file).");
ABSL_FLAG(std::string, health_port_file, "",
          "If set, the chosen health port is written here (atomically).");
ABSL_FLAG(int, eval_max_users, 10000,
          "Held-out users evaluated per iteration: a fixed sample of at most "
          "this many (0: all). The coordinator holds only their rows.");
ABSL_FLAG(std::string, log_format, "json",
          "Standard-error log lines: json (one object per line) or text. "
          "Progress lines (without --progress_json) are log lines too.");

namespace tailor::distributed {
namespace {

void PrintHelp() {
  std::fputs(
      BinaryHelp("tailor_coordinator: drives a distributed Tailor training job "
                 "(tailor.v1.Coordinator, health, reflection).\n\nusage: "
                 "tailor_coordinator [--flag=value ...]",
                 "coordinator_main.cc")
          .c_str(),
      stdout);
}

absl::StatusOr<CoordinatorOptions> OptionsFromFlags() {
  CoordinatorOptions o;
  const std::string spec_path = absl::GetFlag(FLAGS_job_spec);
  if (spec_path.empty()) {
    return absl::InvalidArgumentError("--job_spec is required");
  }
  absl::StatusOr<std::string> text =
      ReadFileToString(PosixFileSystem(), spec_path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("--job_spec: ", text.status().message()));
  }
  if (!google::protobuf::TextFormat::ParseFromString(*text, &o.spec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--job_spec ", spec_path,
                     ": not a text-format tailor.v1.JobSpec (see "
                     "proto/tailor/v1/job.proto)"));
  }
  if (!absl::GetFlag(FLAGS_dataset).empty()) {
    o.spec.set_dataset_dir(absl::GetFlag(FLAGS_dataset));
  }
  for (absl::string_view a : absl::StrSplit(absl::GetFlag(FLAGS_ps_addresses),
                                            ',', absl::SkipWhitespace())) {
    if (a.find(':') == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ps_addresses: '", a, "' is not host:port"));
    }
    o.ps_addresses.emplace_back(a);
  }
  if (o.ps_addresses.empty()) {
    return absl::InvalidArgumentError(
        "--ps_addresses is required (host:port of each shard, in order)");
  }
  o.state_dir = absl::GetFlag(FLAGS_state_dir);
  o.num_workers = absl::GetFlag(FLAGS_num_workers);
  if (o.num_workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--num_workers must be >= 1, got ", o.num_workers));
  }
  o.export_base = absl::GetFlag(FLAGS_export_base);
  o.export_name = absl::GetFlag(FLAGS_export_name);
  o.lease_ms = absl::GetFlag(FLAGS_lease_ms);
  o.heartbeat_interval_ms = absl::GetFlag(FLAGS_heartbeat_interval_ms);
  if (o.heartbeat_interval_ms < 1 || o.heartbeat_interval_ms >= o.lease_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("--heartbeat_interval_ms (", o.heartbeat_interval_ms,
                     ") must be in 1..--lease_ms-1 (", o.lease_ms, ")"));
  }
  o.shard_wait_ms = std::max(1, absl::GetFlag(FLAGS_shard_wait_ms));
  o.worker_wait_ms = std::max(1, absl::GetFlag(FLAGS_worker_wait_ms));
  o.eval_max_users = std::max(0, absl::GetFlag(FLAGS_eval_max_users));
  o.task_deadline_ms = std::max(0, absl::GetFlag(FLAGS_task_deadline_ms));
  o.loss_every = std::max(0, absl::GetFlag(FLAGS_loss_every));
  return o;
}

int Fail(logging::Logger& log, const absl::Status& status) {
  log.Error("failed", {{"error", status.ToString()}});
  if (absl::GetFlag(FLAGS_progress_json)) {
    std::printf("%s\n",
                nlohmann::json(
                    {{"done", false}, {"error", std::string(status.message())}})
                    .dump()
                    .c_str());
    std::fflush(stdout);
  }
  return 1;
}

int Run() {
  // Signals are taken by one thread with sigwait, so no handler runs on
  // gRPC's threads: blocked first, before anything (credentials, logging,
  // metrics) can start a thread that would inherit an open mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<logging::LogFormat> log_format =
      logging::ParseLogFormat(absl::GetFlag(FLAGS_log_format), "log_format");
  if (!log_format.ok()) {
    std::fprintf(stderr, "tailor_coordinator: %s\n",
                 std::string(log_format.status().message()).c_str());
    return 2;
  }
  logging::Logger log({"tailor_coordinator", *log_format, nullptr, nullptr});
  absl::StatusOr<CoordinatorOptions> options = OptionsFromFlags();
  if (!options.ok()) return Fail(log, options.status());
  if (absl::GetFlag(FLAGS_port) < 0 || absl::GetFlag(FLAGS_port) > 65535) {
    return Fail(
        log, absl::InvalidArgumentError(absl::StrCat(
                 "--port=", absl::GetFlag(FLAGS_port), " is not in 0..65535")));
  }
  const bool json = absl::GetFlag(FLAGS_progress_json);
  absl::Mutex out_mu;
  options->progress = [&](const std::string& line) {
    absl::MutexLock lock(&out_mu);
    if (json) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    } else {
      // The progress object's keys become the log line's fields.
      const nlohmann::json progress =
          nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      std::vector<logging::LogField> fields;
      if (progress.is_object()) {
        for (const auto& [key, value] : progress.items()) {
          fields.emplace_back(key, value);
        }
      } else {
        fields.emplace_back("line", line);
      }
      log.Info("progress", fields);
    }
  };
  // One certificate serves both sides: the Coordinator service and the
  // channels to the shards.
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server_credentials =
      security::ServerCredentialsFromFlags("tailor_coordinator",
                                           security::CoordinatorPolicy());
  if (!server_credentials.ok()) return Fail(log, server_credentials.status());
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ps_credentials =
      security::ChannelCredentialsFromFlags("tailor_coordinator");
  if (!ps_credentials.ok()) return Fail(log, ps_credentials.status());
  PsClientOptions ps_options;
  ps_options.shard_addresses = options->ps_addresses;
  ps_options.credentials = *ps_credentials;
  ps_options.timeout_ms = std::max(1, absl::GetFlag(FLAGS_ps_rpc_timeout_ms));
  absl::StatusOr<std::unique_ptr<PsClient>> ps = PsClient::Create(ps_options);
  if (!ps.ok()) return Fail(log, ps.status());

  // Counters of rollbacks, reassignments and lost workers; the registry
  // outlives the coordinator that reports into it.
  metrics::MetricRegistry registry;
  CoordinatorEventMetrics event_metrics(&registry);
  options->events = &event_metrics;
  options->log = &log;
  absl::StatusOr<std::unique_ptr<Coordinator>> coordinator =
      Coordinator::Create(*options, *std::move(ps));
  if (!coordinator.ok()) return Fail(log, coordinator.status());
  std::unique_ptr<CoordinatorService> service =
      CoordinatorService::Create(coordinator->get());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  builder.AddListeningPort(address, *server_credentials, &port);
  builder.RegisterService(service->grpc_service());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(log, absl::UnavailableError(
                         absl::StrCat("could not listen on ", address)));
  }
  // Plaintext, only the health service (SERVING while the job runs).
  std::unique_ptr<HealthOnlyServer> health_server;
  if (absl::GetFlag(FLAGS_health_port) != -1) {  // others are checked
    absl::StatusOr<std::unique_ptr<HealthOnlyServer>> health =
        HealthOnlyServer::Start(absl::GetFlag(FLAGS_health_host),
                                absl::GetFlag(FLAGS_health_port),
                                "--health_port");
    if (!health.ok()) {
      server->Shutdown();
      return Fail(log, health.status());
    }
    health_server = *std::move(health);
  }
  log.Info(
      "listening",
      {{"address", absl::StrCat(absl::GetFlag(FLAGS_host), ":", port)},
       {"health_port", health_server == nullptr ? -1 : health_server->port()}});
  CoordinatorMetrics coordinator_metrics(
      &registry, [&](tailor::v1::GetJobStatusResponse* status) {
        return (*coordinator)
            ->GetJobStatus(tailor::v1::GetJobStatusRequest(), status);
      });
  metrics::MetricsHttpServerOptions metrics_options;
  metrics_options.host = absl::GetFlag(FLAGS_metrics_host);
  metrics_options.port = absl::GetFlag(FLAGS_metrics_port);
  absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> metrics_server =
      metrics::StartMetricsEndpoint(PosixFileSystem(), metrics_options,
                                    absl::GetFlag(FLAGS_metrics_port_file),
                                    &registry);
  if (!metrics_server.ok()) {
    server->Shutdown();
    return Fail(log, metrics_server.status());
  }
  if (*metrics_server != nullptr) {
    log.Info("metrics endpoint", {{"metrics_port", (*metrics_server)->port()}});
  }
  const std::string health_port_file = absl::GetFlag(FLAGS_health_port_file);
  if (!health_port_file.empty() && health_server != nullptr) {
    absl::Status written = WritePortFile(PosixFileSystem(), health_port_file,
                                         health_server->port());
    if (!written.ok()) {
      server->Shutdown();
      return Fail(log, written);
    }
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    absl::Status written = WritePortFile(PosixFileSystem(), port_file, port);
    if (!written.ok()) {
      server->Shutdown();
      return Fail(log, written);
    }
  }
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGTERM || sig == SIGINT) {
      (*coordinator)->Cancel(absl::StrCat("stopped by signal ", sig));
    }
  });
  absl::StatusOr<std::string> result = (*coordinator)->Run();
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // end sigwait
  signal_thread.join();
  if (health_server != nullptr) health_server->EndServing();
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(1000));
  if (health_server != nullptr) health_server->Shutdown(absl::ZeroDuration());
  metrics_server->reset();  // no scrape may outlive the coordinator
  if (!result.ok()) {
    log.Error("job failed", {{"error", result.status().ToString()}});
    return 1;
  }
  log.Info("job done", {{"export", *result}});
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
    std::fprintf(stderr, "tailor_coordinator: unexpected argument '%s'\n",
                 rest[1]);
    return 2;
  }
  return tailor::distributed::Run();
}
