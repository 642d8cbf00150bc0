// tailor_ranker: the ranking service (docs/ranker_server.md, docs/ranker.md).
//
//   tailor_ranker --model_base=/models --model_names=retail --port=0
//       --port_file=/tmp/ranker.port --metrics_port=0
//       --metrics_port_file=/tmp/ranker.metrics_port
//
// Serves tailor.v1.Ranker, grpc.health.v1.Health (SERVING once a model
// version is available) and server reflection on --host:--port, the
// Prometheus metrics at http://--metrics_host:--metrics_port/metrics, and
// optionally the health service alone in plaintext on --health_port (for
// probes that cannot speak TLS). Logs one JSON object per line on stderr,
// with one line per Rank call under --log_requests (docs/observability.md).
// Stops gracefully on SIGTERM or SIGINT.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/file_system.h"
#include "core/logging/async_log_sink.h"
#include "core/logging/json_log.h"
#include "core/metrics/metric.h"
#include "core/metrics/metric_registry.h"
#include "core/security/security_flags.h"
#include "core/server_main.h"
#include "core/status_macros.h"
#include "ranker/engine/serving_engine.h"
#include "ranker/engine/version_policy.h"
#include "ranker/model/model_loader.h"
#include "ranker/server/engine_metrics.h"
#include "ranker/server/ranker_server.h"

ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on (127.0.0.1 = loopback only; 0.0.0.0 = all).");
ABSL_FLAG(int, port, 0, "gRPC port; 0 lets the OS choose (see --port_file).");
ABSL_FLAG(std::string, port_file, "",
          "If set, the chosen gRPC port is written here (atomically, by "
          "rename) once the server accepts calls.");
ABSL_FLAG(std::string, model_base, "",
          "Directory holding <model_name>/<version>/ model version "
          "directories (required).");
ABSL_FLAG(std::string, model_names, "",
          "Models to serve, comma-separated; empty: every model under "
          "--model_base.");
ABSL_FLAG(std::string, version_policy, "latest",
          "Versions served per model: latest, latest:N or versions:V1,V2.");
ABSL_FLAG(bool, unload_first, false,
          "Unload an old version before loading its replacement (tight "
          "memory; requests for the model fail with UNAVAILABLE in between).");
ABSL_FLAG(std::string, labels_config, "",
          "Labels config file (label -> version per model), reread while "
          "running; see docs/ranker.md.");
ABSL_FLAG(std::string, experiments_config, "",
          "Experiments (traffic split) config file, reread while running; "
          "see docs/ranker.md.");
ABSL_FLAG(std::string, exposure_log, "",
          "Exposure log path (JSON lines, rotated); empty: no exposure log.");
ABSL_FLAG(std::string, metrics_host, "127.0.0.1",
          "Address of the Prometheus metrics endpoint.");
ABSL_FLAG(int, metrics_port, 0,
          "Metrics HTTP port; 0 lets the OS choose (see --metrics_port_file), "
          "-1 disables the endpoint.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, the chosen metrics port is written here.");
ABSL_FLAG(int, poll_interval_ms, 2000,
          "How often the model base and config files are rechecked, in ms.");
ABSL_FLAG(int, threads, 2,
          "Cores computing Rank answers: at most this many CF scans (micro-"
          "batches) run at once.");
ABSL_FLAG(int, rank_workers, 0,
          "Rank calls in progress at once (worker threads); more than "
          "--threads so that concurrent calls meet in the micro-batcher. "
          "0: 8 x --threads.");
ABSL_FLAG(bool, scan_int8, true,
          "CF retrieval scans int8 item factors and re-scores exactly every "
          "item the quantization bound cannot rule out (same results as the "
          "float scan, 4x less memory traffic).");
ABSL_FLAG(bool, micro_batch, true,
          "Gather concurrent CF scans of one model version into one batched "
          "scan.");
ABSL_FLAG(int, batch_window_us, 200,
          "Longest a micro-batch waits for more calls, in microseconds.");
ABSL_FLAG(int, batch_max, 16, "Calls per micro-batch at most.");
ABSL_FLAG(int, load_nice, 10,
          "Nice value of the thread loading a new model version (0: the "
          "polling thread loads at normal priority), so a swap under load "
          "takes the CPU the serving threads leave.");
ABSL_FLAG(int, scan_threads, 0,
          "Threads sharing one CF scan of a large catalogue (see "
          "--scan_parallel_min_items); 0: --threads.");
ABSL_FLAG(int64_t, scan_parallel_min_items, 200000,
          "Catalogues with at least this many items split each CF scan over "
          "--scan_threads threads.");
ABSL_FLAG(int, max_queue, 1024,
          "Rank requests waiting for a thread beyond which new ones are "
          "refused with RESOURCE_EXHAUSTED.");
ABSL_FLAG(std::string, replica, "",
          "Replica name echoed in RankResponse.served_by.");
ABSL_FLAG(int, shutdown_grace_ms, 5000,
          "Grace period for running calls on SIGTERM/SIGINT, in ms.");
ABSL_FLAG(std::string, log_format, "json",
          "Standard-error log lines: json (one object per line) or text.");
ABSL_FLAG(bool, log_requests, false,
          "Log one line per finished Rank call (request id, model, version, "
          "label, arm, code, latency) on stderr, written by a background "
          "thread.");
ABSL_FLAG(int, request_log_max_queued, 10000,
          "Request-log lines waiting for the writer beyond which new ones are "
          "dropped (and counted in tailor_ranker_request_log_dropped_total), "
          "so a slow stderr never slows Rank.");
ABSL_FLAG(std::string, health_host, "127.0.0.1",
          "Address of the plaintext health-only port.");
ABSL_FLAG(int, health_port, -1,
          "Plaintext gRPC port serving only grpc.health.v1.Health (for "
          "probes that cannot speak TLS); -1: off, 0: the OS chooses (see "
          "--health_port_file).");
ABSL_FLAG(std::string, health_port_file, "",
          "If set, the chosen health port is written here.");

namespace tailor {
namespace {

constexpr char kBuild[] = "tailor_ranker";

void PrintHelp() {
  std::fputs(
      BinaryHelp("tailor_ranker: the Tailor ranking service (tailor.v1.Ranker, "
                 "health, "
                 "reflection, Prometheus metrics).\n\nusage: tailor_ranker "
                 "--model_base=DIR [--flag=value ...]",
                 "ranker_main.cc")
          .c_str(),
      stdout);
}

std::string Hostname() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

absl::StatusOr<ranker::RankEngineOptions> EngineOptions() {
  ranker::RankEngineOptions o;
  o.model_base = absl::GetFlag(FLAGS_model_base);
  if (o.model_base.empty()) {
    return absl::InvalidArgumentError("--model_base is required");
  }
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_model_names),
                                               ',', absl::SkipWhitespace())) {
    o.model_names.emplace_back(name);
  }
  absl::StatusOr<ranker::VersionPolicy> policy =
      ranker::ParseVersionPolicy(absl::GetFlag(FLAGS_version_policy));
  if (!policy.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--version_policy: ", policy.status().message()));
  }
  o.version_policy = *policy;
  o.unload_first = absl::GetFlag(FLAGS_unload_first);
  o.labels_config_path = absl::GetFlag(FLAGS_labels_config);
  o.experiments_config_path = absl::GetFlag(FLAGS_experiments_config);
  o.exposure_log_path = absl::GetFlag(FLAGS_exposure_log);
  const int poll_ms = absl::GetFlag(FLAGS_poll_interval_ms);
  if (poll_ms < 1) {
    return absl::InvalidArgumentError("--poll_interval_ms must be >= 1");
  }
  o.poll_interval = absl::Milliseconds(poll_ms);
  ranker::HybridModelOptions model;
  const int threads = absl::GetFlag(FLAGS_threads);
  model.int8 = absl::GetFlag(FLAGS_scan_int8);
  model.micro_batch = absl::GetFlag(FLAGS_micro_batch);
  model.batcher.window_us = absl::GetFlag(FLAGS_batch_window_us);
  model.batcher.max_batch = absl::GetFlag(FLAGS_batch_max);
  model.batcher.max_concurrent = std::max(threads, 1);
  model.scan_threads = absl::GetFlag(FLAGS_scan_threads) > 0
                           ? absl::GetFlag(FLAGS_scan_threads)
                           : std::max(threads, 1);
  model.scan_parallel_min_items = absl::GetFlag(FLAGS_scan_parallel_min_items);
  if (model.batcher.window_us < 0 || model.batcher.max_batch < 1) {
    return absl::InvalidArgumentError(
        "--batch_window_us must be >= 0 and --batch_max >= 1");
  }
  o.loader = ranker::HybridModelLoader(PosixFileSystem(), model,
                                       absl::GetFlag(FLAGS_load_nice));
  o.hostname = Hostname();
  o.replica = absl::GetFlag(FLAGS_replica);
  o.build = kBuild;
  return o;
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
    std::fprintf(stderr, "tailor_ranker: %s\n",
                 std::string(log_format.status().message()).c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_request_log_max_queued) < 1) {
    std::fprintf(stderr,
                 "tailor_ranker: --request_log_max_queued must be >= 1\n");
    return 2;
  }
  logging::Logger log({kBuild, *log_format, nullptr, nullptr});
  absl::StatusOr<ranker::RankEngineOptions> engine_options = EngineOptions();
  if (!engine_options.ok()) {
    std::fprintf(stderr, "tailor_ranker: %s\n",
                 std::string(engine_options.status().message()).c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_threads) < 1 || absl::GetFlag(FLAGS_max_queue) < 0 ||
      absl::GetFlag(FLAGS_rank_workers) < 0) {
    std::fprintf(stderr,
                 "tailor_ranker: --threads must be >= 1, --rank_workers >= 0 "
                 "and --max_queue >= 0\n");
    return 2;
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      security::ServerCredentialsFromFlags("tailor_ranker",
                                           security::RankerPolicy());
  if (!credentials.ok()) {
    std::fprintf(stderr, "tailor_ranker: refusing to start: %s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }

  // Model loads, rejections and config reloads become log lines.
  engine_options->log = [&log](const std::string& line) { log.Info(line); };
  absl::StatusOr<std::unique_ptr<ranker::ServingRankEngine>> engine =
      ranker::CreateRankEngine(*engine_options);
  if (!engine.ok()) {
    log.Error("cannot start the engine",
              {{"error", engine.status().ToString()}});
    return 1;
  }
  // The request log: Rank threads only queue lines; one thread writes them.
  std::unique_ptr<logging::AsyncLogSink> request_sink;
  std::unique_ptr<logging::Logger> request_log;
  if (absl::GetFlag(FLAGS_log_requests)) {
    logging::AsyncLogSinkOptions sink_options;
    sink_options.max_queued_lines =
        static_cast<size_t>(absl::GetFlag(FLAGS_request_log_max_queued));
    request_sink = std::make_unique<logging::AsyncLogSink>(sink_options);
    request_log = std::make_unique<logging::Logger>(logging::LoggerOptions{
        kBuild, *log_format, request_sink.get(), nullptr});
  }
  absl::Mutex dropped_mu;  // one scrape at a time moves the counter
  (*engine)->StartPolling();

  ranker::RankerServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = absl::GetFlag(FLAGS_port);
  options.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  options.poll_interval = engine_options->poll_interval;
  options.credentials = *credentials;
  options.service.work.threads = absl::GetFlag(FLAGS_rank_workers) > 0
                                     ? absl::GetFlag(FLAGS_rank_workers)
                                     : 8 * absl::GetFlag(FLAGS_threads);
  options.service.work.max_queued = absl::GetFlag(FLAGS_max_queue);
  options.service.hostname = engine_options->hostname;
  options.service.replica = engine_options->replica;
  options.service.build = kBuild;
  options.service.request_log = request_log.get();
  options.health_host = absl::GetFlag(FLAGS_health_host);
  options.health_port = absl::GetFlag(FLAGS_health_port);
  absl::StatusOr<std::unique_ptr<ranker::RankerServer>> server =
      ranker::RankerServer::Start(options, engine->get());
  if (!server.ok()) {
    log.Error("cannot start the server",
              {{"error", server.status().ToString()}});
    return 1;
  }
  ranker::ServingRankEngine* engine_ptr = engine->get();
  ranker::RegisterEngineMetrics(&(*server)->registry(),
                                [engine_ptr] { return engine_ptr->stats(); });
  if (request_sink != nullptr) {
    metrics::Counter* dropped =
        (*server)
            ->registry()
            .AddCounter("tailor_ranker_request_log_dropped_total",
                        "Request-log lines dropped because the writer was "
                        "behind (--request_log_max_queued).")
            ->Get();
    logging::AsyncLogSink* sink = request_sink.get();
    (*server)->registry().AddScrapeHook([sink, dropped, &dropped_mu] {
      absl::MutexLock lock(&dropped_mu);
      dropped->Increment(static_cast<double>(sink->dropped_lines()) -
                         dropped->value());
    });
  }
  std::printf("tailor_ranker: listening on %s (metrics port %d, %s)\n",
              (*server)->address().c_str(), (*server)->metrics_port(),
              (*server)->serving() ? "SERVING" : "NOT_SERVING yet");
  std::fflush(stdout);
  log.Info("serving", {{"address", (*server)->address()},
                       {"metrics_port", (*server)->metrics_port()},
                       {"health_port", (*server)->health_port()},
                       {"serving", (*server)->serving()},
                       {"log_requests", request_log != nullptr}});
  // The health port file comes first: the gRPC port file is the signal
  // that everything is up.
  for (const auto& [flag, port] :
       {std::pair<std::string, int>{absl::GetFlag(FLAGS_health_port_file),
                                    (*server)->health_port()},
        std::pair<std::string, int>{absl::GetFlag(FLAGS_metrics_port_file),
                                    (*server)->metrics_port()},
        std::pair<std::string, int>{absl::GetFlag(FLAGS_port_file),
                                    (*server)->port()}}) {
    if (flag.empty() || port < 0) continue;  // < 0: that port is off
    absl::Status written = WritePortFile(PosixFileSystem(), flag, port);
    if (!written.ok()) {
      log.Error("cannot write a port file", {{"error", written.ToString()}});
      return 1;
    }
  }

  int sig = 0;
  sigwait(&signals, &sig);
  log.Info("signal received, shutting down", {{"signal", sig}});
  (*server)->Shutdown(
      absl::Milliseconds(std::max(absl::GetFlag(FLAGS_shutdown_grace_ms), 0)));
  (*engine)->StopPolling();
  if (request_sink != nullptr) {
    request_sink->Flush();
    log.Info("request log", {{"lines_written", request_sink->written_lines()},
                             {"lines_dropped", request_sink->dropped_lines()}});
  }
  log.Info("stopped");
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
    std::fprintf(stderr, "tailor_ranker: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return tailor::Run();
}
