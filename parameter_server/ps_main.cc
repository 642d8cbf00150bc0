// tailor_ps: one parameter-server shard (docs/parameter_server.md).
//
//   tailor_ps --port=0 --port_file=/tmp/ps0.port --shard_index=0
//             --num_shards=2 --checkpoint_dir=/tmp/ckpt --restore
//
// Serves tailor.v1.ParameterServer, grpc.health.v1.Health and server
// reflection on --host:--port, writes the chosen port to --port_file, and
// stops gracefully on SIGTERM, SIGINT or the Shutdown RPC.

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
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
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/file_system.h"
#include "core/health_only_server.h"
#include "core/logging/json_log.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/metrics_http_server.h"
#include "core/security/security_flags.h"
#include "core/server_main.h"
#include "core/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "parameter_server/parameter_server_service.h"
#include "parameter_server/ps_metrics.h"
#include "parameter_server/shard_state.h"

ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on (127.0.0.1 = loopback only; 0.0.0.0 = all).");
ABSL_FLAG(int, port, 0, "TCP port; 0 lets the OS choose (see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the chosen port is written to this file (atomically, by "
          "rename) once the server accepts calls.");
ABSL_FLAG(int, shard_index, 0, "This shard's index in 0..num_shards-1.");
ABSL_FLAG(int, num_shards, 1, "Number of shards of the job.");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Checkpoint directory (absolute) used by --restore.");
ABSL_FLAG(bool, restore, false,
          "At start, restore the newest complete checkpoint under "
          "--checkpoint_dir (start empty when there is none).");
ABSL_FLAG(int, max_push_mb, 1024,
          "Largest single Push this shard buffers, in MiB of payload.");
ABSL_FLAG(int, shutdown_grace_ms, 5000,
          "Grace period for running calls on SIGTERM/SIGINT, in ms.");
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
ABSL_FLAG(std::string, health_host, "127.0.0.1",
          "Address of the plaintext health-only port.");
ABSL_FLAG(int, health_port, -1,
          "Plaintext gRPC port serving only grpc.health.v1.Health (for "
          "probes that cannot speak TLS); -1: off, 0: the OS chooses (see "
          "--health_port_file).");
ABSL_FLAG(std::string, health_port_file, "",
          "If set, the chosen health port is written here (before "
          "--port_file).");

namespace tailor {
namespace {

void PrintHelp() {
  std::fputs(
      BinaryHelp(
          "tailor_ps: one Tailor parameter-server shard "
          "(tailor.v1.ParameterServer"
          ", health, reflection).\n\nusage: tailor_ps [--flag=value ...]\n\n",
          "ps_main.cc")
          .c_str(),
      stdout);
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

  const int shard_index = absl::GetFlag(FLAGS_shard_index);
  const int num_shards = absl::GetFlag(FLAGS_num_shards);
  const std::string checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  if (absl::GetFlag(FLAGS_restore) &&
      (checkpoint_dir.empty() || checkpoint_dir[0] != '/')) {
    std::fprintf(stderr,
                 "tailor_ps: --restore needs an absolute --checkpoint_dir "
                 "(got '%s')\n",
                 checkpoint_dir.c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_port) < 0 || absl::GetFlag(FLAGS_port) > 65535) {
    std::fprintf(stderr, "tailor_ps: --port=%d is not in 0..65535\n",
                 absl::GetFlag(FLAGS_port));
    return 2;
  }
  if (absl::GetFlag(FLAGS_health_port) < -1 ||
      absl::GetFlag(FLAGS_health_port) > 65535) {
    std::fprintf(stderr, "tailor_ps: --health_port=%d is not in -1..65535\n",
                 absl::GetFlag(FLAGS_health_port));
    return 2;
  }
  absl::StatusOr<logging::LogFormat> log_format =
      logging::ParseLogFormat(absl::GetFlag(FLAGS_log_format), "log_format");
  if (!log_format.ok()) {
    std::fprintf(stderr, "tailor_ps: %s\n",
                 std::string(log_format.status().message()).c_str());
    return 2;
  }
  logging::Logger log({"tailor_ps", *log_format, nullptr, nullptr});
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      security::ServerCredentialsFromFlags("tailor_ps",
                                           security::ParameterServerPolicy());
  if (!credentials.ok()) {
    std::fprintf(stderr, "tailor_ps: refusing to start: %s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }
  ShardStateOptions options;
  options.shard_index = static_cast<uint32_t>(std::max(shard_index, 0));
  options.num_shards = static_cast<uint32_t>(std::max(num_shards, 0));
  options.fs = PosixFileSystem();
  options.max_push_bytes = uint64_t{static_cast<uint64_t>(
                               std::max(absl::GetFlag(FLAGS_max_push_mb), 1))}
                           << 20;
  if (shard_index < 0 || num_shards < 1 || shard_index >= num_shards) {
    std::fprintf(stderr,
                 "tailor_ps: --shard_index=%d must be in 0..--num_shards-1 "
                 "(--num_shards=%d)\n",
                 shard_index, num_shards);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<ShardState>> state =
      ShardState::Create(options);
  if (!state.ok()) {
    std::fprintf(stderr, "tailor_ps: %s\n", state.status().ToString().c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_restore)) {
    absl::StatusOr<RestoreResult> restored =
        (*state)->Restore(checkpoint_dir, -1);
    if (restored.ok()) {
      log.Info("restored checkpoint", {{"shard_index", shard_index},
                                       {"iteration", restored->iteration},
                                       {"rows", restored->rows},
                                       {"checkpoint_dir", checkpoint_dir}});
    } else if (restored.status().code() == absl::StatusCode::kNotFound) {
      log.Info("no checkpoint to restore; starting empty",
               {{"reason", std::string(restored.status().message())}});
    } else {
      std::fprintf(stderr, "tailor_ps: restore failed: %s\n",
                   restored.status().ToString().c_str());
      return 1;
    }
  }

  absl::Notification stop;
  std::atomic<bool> stop_requested{false};
  auto request_stop = [&] {
    if (!stop_requested.exchange(true)) stop.Notify();
  };
  absl::Mutex grace_mu;
  int grace_ms = absl::GetFlag(FLAGS_shutdown_grace_ms);
  ParameterServerServiceOptions service_options;
  service_options.on_shutdown = [&](uint32_t grace, const std::string& reason) {
    log.Info("Shutdown requested", {{"reason", reason}});
    {
      absl::MutexLock lock(&grace_mu);
      grace_ms = static_cast<int>(grace);
    }
    request_stop();
  };
  std::unique_ptr<ParameterServerService> service =
      ParameterServerService::Create(state->get(), service_options);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  const std::string address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  builder.AddListeningPort(address, *credentials, &port);
  builder.RegisterService(service->grpc_service());
  metrics::MetricRegistry registry;
  PsMetrics ps_metrics(&registry, state->get());
  {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(ps_metrics.NewInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "tailor_ps: could not listen on %s\n",
                 address.c_str());
    return 1;
  }
  // Plaintext, only the health service (SERVING while the shard runs).
  std::unique_ptr<HealthOnlyServer> health_server;
  int health_port = -1;
  if (absl::GetFlag(FLAGS_health_port) >= 0) {
    absl::StatusOr<std::unique_ptr<HealthOnlyServer>> health =
        HealthOnlyServer::Start(absl::GetFlag(FLAGS_health_host),
                                absl::GetFlag(FLAGS_health_port),
                                "--health_port");
    if (!health.ok()) {
      log.Error("cannot serve the health port",
                {{"error", health.status().ToString()}});
      server->Shutdown();
      return 1;
    }
    health_server = *std::move(health);
    health_port = health_server->port();
  }
  std::printf("tailor_ps: shard %d of %d listening on %s:%d\n", shard_index,
              num_shards, absl::GetFlag(FLAGS_host).c_str(), port);
  std::fflush(stdout);
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
    server->Shutdown();
    return 1;
  }
  log.Info("serving",
           {{"shard_index", shard_index},
            {"num_shards", num_shards},
            {"address", absl::StrCat(absl::GetFlag(FLAGS_host), ":", port)},
            {"metrics_port", *metrics_server ? (*metrics_server)->port() : -1},
            {"health_port", health_port}});
  const std::string health_port_file = absl::GetFlag(FLAGS_health_port_file);
  if (!health_port_file.empty() && health_port >= 0) {
    absl::Status written =
        WritePortFile(PosixFileSystem(), health_port_file, health_port);
    if (!written.ok()) {
      std::fprintf(stderr, "tailor_ps: --health_port_file: %s\n",
                   written.ToString().c_str());
      server->Shutdown();
      return 1;
    }
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    absl::Status written = WritePortFile(PosixFileSystem(), port_file, port);
    if (!written.ok()) {
      std::fprintf(stderr, "tailor_ps: --port_file: %s\n",
                   written.ToString().c_str());
      server->Shutdown();
      return 1;
    }
  }

  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stop_requested.load()) {
      log.Info("signal received, shutting down", {{"signal", sig}});
    }
    request_stop();
  });
  stop.WaitForNotification();
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // if still waiting
  signal_thread.join();

  if (health_server != nullptr) health_server->EndServing();
  service->BeginShutdown();
  int grace;
  {
    absl::MutexLock lock(&grace_mu);
    grace = grace_ms;
  }
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(grace));
  if (health_server != nullptr) health_server->Shutdown(absl::ZeroDuration());
  log.Info("stopped", {{"shard_index", shard_index}});
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (tailor::IsHelpArg(argv[i])) {
      tailor::PrintHelp();
      return 0;
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "tailor_ps: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return tailor::Run();
}
