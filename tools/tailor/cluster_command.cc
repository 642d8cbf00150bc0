#include "tools/tailor/cluster_command.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/security/security_flags.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/cluster/cluster_runner.h"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/job_flags.h"

ABSL_FLAG(int32_t, shards, 2, "Parameter-server shards (tailor_ps processes).");
ABSL_FLAG(int32_t, workers, 2, "Worker processes (tailor_worker).");
ABSL_FLAG(std::string, ps_binary, "",
          "Path of tailor_ps; default: next to `tailor` or in its runfiles.");
ABSL_FLAG(std::string, coordinator_binary, "",
          "Path of tailor_coordinator; default: next to `tailor` or in its "
          "runfiles.");
ABSL_FLAG(std::string, worker_binary, "",
          "Path of tailor_worker; default: next to `tailor` or in its "
          "runfiles.");
ABSL_FLAG(std::string, cluster_dir, "",
          "Working directory of the job (job.textproto, logs/, ports/, "
          "state/ with checkpoints, models/); default: a new directory "
          "/tmp/tailor-cluster-XXXXXX. Reusing a directory resumes its job.");
ABSL_FLAG(std::string, cluster_model_name, "",
          "Name of the exported model; default: the job spec's model_export "
          "model_name, else \"default\".");
ABSL_FLAG(double, cluster_holdout, 0.1,
          "Share of each user's interactions held out for the per-iteration "
          "metric when the job spec has no evaluation; 0: none.");
ABSL_FLAG(int32_t, cluster_eval_max_users, 0,
          "Held-out users the coordinator evaluates per iteration (a fixed "
          "sample; 0: all). Large jobs want e.g. 20000.");
ABSL_FLAG(int32_t, cluster_max_restarts, 3,
          "Restarts allowed per process before the job fails.");
ABSL_FLAG(int32_t, cluster_timeout_s, 0,
          "Fail the job (and stop every process) after this many seconds; 0: "
          "no limit.");
ABSL_FLAG(std::string, cluster_tls_dir, "",
          "Run every process with mutual TLS, using the CA and per-role "
          "certificates in this directory (made by tools/certs/"
          "make_certs.sh; docs/security.md). Either this or --insecure is "
          "required.");

namespace tailor {
namespace {

using cluster::ClusterOptions;
using cluster::ClusterResult;
using cluster::ClusterRunner;
using cluster::ProcessEvent;
using cluster::ProgressLine;

std::string SelfPath() {
  char buffer[4096];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

// "iteration 3: loss 1.2e+05, ndcg@10 0.1234, 2.10 s, 12.3 MB moved, rows
// pulled 123456 pushed 23456".
std::string DescribeProgress(const nlohmann::json& line) {
  std::string text = absl::StrCat("iteration ", line.value("iteration", 0));
  if (line.contains("loss") && line["loss"].is_number()) {
    absl::StrAppendFormat(&text, ": loss %.6g", line["loss"].get<double>());
  }
  if (line.contains("metrics") && line["metrics"].is_object()) {
    for (const auto& [name, value] : line["metrics"].items()) {
      if (value.is_number()) {
        absl::StrAppendFormat(&text, ", %s %.4f", name, value.get<double>());
      }
    }
  }
  absl::StrAppendFormat(
      &text, ", %.2f s, %.1f MB moved, rows pulled %d pushed %d",
      line.value("seconds", 0.0), line.value("bytes_moved", 0.0) / 1e6,
      line.value("rows_pulled", int64_t{0}),
      line.value("rows_pushed", int64_t{0}));
  return text;
}

void PrintEvent(const ProcessEvent& event) {
  if (event.kind == ProcessEvent::Kind::kStarted) {
    if (event.incarnation > 1) {
      std::fprintf(stderr, "cluster: %s restarted (pid %d, start %d)\n",
                   event.name.c_str(), static_cast<int>(event.pid),
                   event.incarnation);
    }
    return;
  }
  if (event.decision == cluster::RestartDecision::kFinished ||
      event.decision == cluster::RestartDecision::kStopped) {
    return;
  }
  std::fprintf(stderr, "cluster: %s (pid %d) %s: %s\n", event.name.c_str(),
               static_cast<int>(event.pid),
               cluster::DescribeExit(event.exit).c_str(),
               cluster::RestartDecisionName(event.decision));
}

absl::StatusOr<ClusterOptions> BuildOptions() {
  ClusterOptions options;
  TAILOR_ASSIGN_OR_RETURN(options.spec, BuildJobSpec());
  std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty()) dataset = options.spec.dataset_dir();
  if (dataset.empty()) {
    return absl::InvalidArgumentError(
        "--dataset is required (or dataset_dir in --job_spec)");
  }
  if (dataset[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) {
      dataset = absl::StrCat(cwd, "/", dataset);
    }
  }
  options.spec.set_dataset_dir(dataset);
  std::string tls_dir = absl::GetFlag(FLAGS_cluster_tls_dir);
  TAILOR_ASSIGN_OR_RETURN(security::TlsOptions tls,
                          security::TlsOptionsFromFlags());
  if (tls_dir.empty() == !tls.insecure) {
    return absl::InvalidArgumentError(
        tls_dir.empty()
            ? "no transport security chosen: give --cluster_tls_dir=DIR "
              "(mutual TLS with the certificates of tools/certs/"
              "make_certs.sh) or --insecure (plaintext)"
            : "--cluster_tls_dir and --insecure exclude each other");
  }
  if (!tls_dir.empty() && tls_dir[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) {
      tls_dir = absl::StrCat(cwd, "/", tls_dir);
    }
  }
  options.tls_dir = tls_dir;
  std::fprintf(stderr, "tailor cluster: transport security: %s\n",
               tls_dir.empty() ? "INSECURE: plaintext, no authentication "
                                 "(--insecure)"
                               : absl::StrCat("mutual TLS with the "
                                              "certificates in ",
                                              tls_dir)
                                     .c_str());
  const double holdout = absl::GetFlag(FLAGS_cluster_holdout);
  if (!(holdout >= 0 && holdout < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cluster_holdout must be in [0, 1), got ", holdout));
  }
  if (!options.spec.has_evaluation() && holdout > 0) {
    options.spec.mutable_evaluation()->set_protocol(
        tailor::v1::EVAL_PROTOCOL_STRATIFIED_RANDOM);
    options.spec.mutable_evaluation()->set_test_fraction(holdout);
    options.spec.mutable_evaluation()->set_every_iterations(1);
  }
  options.shards = absl::GetFlag(FLAGS_shards);
  options.workers = absl::GetFlag(FLAGS_workers);
  const int hardware =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.worker_threads =
      options.spec.threads() > 0
          ? static_cast<int>(options.spec.threads())
          : std::max(1, hardware / std::max(1, options.workers));
  cluster::ClusterBinaries given;
  given.ps = absl::GetFlag(FLAGS_ps_binary);
  given.coordinator = absl::GetFlag(FLAGS_coordinator_binary);
  given.worker = absl::GetFlag(FLAGS_worker_binary);
  TAILOR_ASSIGN_OR_RETURN(options.binaries,
                          cluster::FindClusterBinaries(given, SelfPath()));
  std::string dir = absl::GetFlag(FLAGS_cluster_dir);
  if (dir.empty()) {
    char pattern[] = "/tmp/tailor-cluster-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      return absl::FailedPreconditionError(
          "cannot create /tmp/tailor-cluster-*");
    }
    dir = pattern;
  } else if (dir[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) dir = absl::StrCat(cwd, "/", dir);
  }
  options.work_dir = dir;
  options.export_base = absl::GetFlag(FLAGS_output);
  if (options.export_base.empty()) {
    options.export_base = options.spec.model_export().base_dir();
  }
  options.export_name = absl::GetFlag(FLAGS_cluster_model_name);
  if (options.export_name.empty()) {
    options.export_name = options.spec.model_export().model_name();
  }
  if (options.export_name.empty()) options.export_name = "default";
  if (absl::GetFlag(FLAGS_cluster_max_restarts) < 0) {
    return absl::InvalidArgumentError("--cluster_max_restarts must be >= 0");
  }
  options.restart.max_restarts = absl::GetFlag(FLAGS_cluster_max_restarts);
  const int eval_users = absl::GetFlag(FLAGS_cluster_eval_max_users);
  if (eval_users < 0) {
    return absl::InvalidArgumentError("--cluster_eval_max_users must be >= 0");
  }
  if (eval_users > 0) {
    options.coordinator_args.push_back(
        absl::StrCat("--eval_max_users=", eval_users));
  }
  const int timeout_s = absl::GetFlag(FLAGS_cluster_timeout_s);
  if (timeout_s < 0) {
    return absl::InvalidArgumentError("--cluster_timeout_s must be >= 0");
  }
  if (timeout_s > 0) options.job_timeout = absl::Seconds(timeout_s);
  return options;
}

nlohmann::json ResultJson(const ClusterOptions& options,
                          const ClusterResult& result) {
  nlohmann::json out;
  out["export_path"] = result.export_path;
  out["algorithm"] = options.spec.algorithm();
  out["shards"] = options.shards;
  out["workers"] = options.workers;
  out["iterations"] = result.iterations.size();
  if (!result.iterations.empty()) {
    out["final"] = result.iterations.back();
  }
  out["seconds"] = result.seconds;
  out["cluster_dir"] = options.work_dir;
  nlohmann::json processes = nlohmann::json::object();
  for (const cluster::ProcessReport& r : result.processes) {
    processes[r.name] = {{"restarts", r.restarts},
                         {"peak_rss_kb", r.peak_rss_kb},
                         {"state", cluster::ProcessStateName(r.state)}};
  }
  out["processes"] = processes;
  return out;
}

int Run() {
  // SIGINT / SIGTERM are taken by one thread that stops the job; blocked
  // before any thread starts (the children get an empty mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const bool json = absl::GetFlag(FLAGS_json);
  absl::StatusOr<ClusterOptions> options = BuildOptions();
  if (!options.ok()) {
    std::fprintf(stderr, "cluster: %s\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }
  options->on_progress = [json](const ProgressLine& line) {
    if (line.final) return;
    std::fprintf(stderr, "cluster: %s\n", DescribeProgress(line.json).c_str());
    if (json) {
      std::printf("%s\n", line.json.dump().c_str());
      std::fflush(stdout);
    }
  };
  options->on_event = PrintEvent;
  absl::StatusOr<std::unique_ptr<ClusterRunner>> runner =
      ClusterRunner::Create(*options);
  if (!runner.ok()) {
    std::fprintf(stderr, "cluster: %s\n",
                 std::string(runner.status().message()).c_str());
    return 2;
  }
  std::fprintf(stderr,
               "cluster: %s on %d shards and %d workers (%d threads each); "
               "logs in %s/logs\n",
               options->spec.algorithm().c_str(), options->shards,
               options->workers, options->worker_threads,
               options->work_dir.c_str());

  std::atomic<int> got_signal{0};
  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (finished.load()) return;
    got_signal = sig;
    std::fprintf(stderr, "cluster: signal %d, stopping every process\n", sig);
    (*runner)->Stop();
  });

  absl::Status started = (*runner)->Start();
  absl::StatusOr<ClusterResult> result =
      started.ok() ? (*runner)->Wait() : absl::StatusOr<ClusterResult>(started);
  (*runner)->Stop();
  finished = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // if still waiting
  signal_thread.join();

  if (got_signal.load() != 0) {
    std::fprintf(stderr, "cluster: stopped by signal %d\n", got_signal.load());
    return 128 + got_signal.load();
  }
  if (!result.ok()) {
    std::fprintf(stderr, "cluster: job failed: %s\n(logs in %s/logs)\n",
                 std::string(result.status().message()).c_str(),
                 options->work_dir.c_str());
    if (json) {
      nlohmann::json out = {{"error", std::string(result.status().message())},
                            {"cluster_dir", options->work_dir}};
      std::printf("%s\n", out.dump().c_str());
    }
    return 1;
  }
  for (const cluster::ProcessReport& r : result->processes) {
    std::fprintf(stderr, "cluster: %-12s restarts %d, peak RSS %.1f MiB\n",
                 r.name.c_str(), r.restarts, r.peak_rss_kb / 1024.0);
  }
  std::fprintf(stderr, "cluster: exported %s in %.1f s\n",
               result->export_path.c_str(), result->seconds);
  if (json) {
    std::printf("%s\n", ResultJson(*options, *result).dump().c_str());
  } else {
    std::printf("%s\n", result->export_path.c_str());
  }
  return 0;
}

}  // namespace

Command ClusterCommand() {
  Command command;
  command.name = "cluster";
  command.summary =
      "train on S parameter-server shards and W workers as supervised "
      "processes on this machine";
  command.flags_file = __FILE__;
  command.shared_flags = JobSpecFlagNames();
  for (const char* name : {"json", "dataset", "output", "insecure"}) {
    command.shared_flags.push_back(name);
  }
  command.run = Run;
  return command;
}

}  // namespace tailor
