#include "tools/cluster/cluster_runner.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"

namespace tailor {
namespace cluster {
namespace {

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create directory ", path, ": ", strerror(errno)));
  }
  return absl::OkStatus();
}

// `package/name` relative to the workspace, e.g. parameter_server/tailor_ps.
absl::StatusOr<std::string> Find(const std::string& given,
                                 const std::string& package,
                                 const std::string& name,
                                 const std::string& self,
                                 const std::string& flag) {
  if (!given.empty()) {
    if (IsExecutable(given)) return given;
    return absl::NotFoundError(
        absl::StrCat("--", flag, "=", given, " is not an executable file"));
  }
  const std::string dir = Dirname(self);
  const std::vector<std::string> candidates = {
      absl::StrCat(dir, "/", name),
      absl::StrCat(self, ".runfiles/tailor/", package, "/", name),
      // bazel-bin/tools/tailor/tailor -> bazel-bin/<package>/<name>
      absl::StrCat(dir, "/../../", package, "/", name),
  };
  for (const std::string& c : candidates) {
    if (IsExecutable(c)) return c;
  }
  return absl::NotFoundError(absl::StrCat(
      "cannot find ", name, " (looked in ", absl::StrJoin(candidates, ", "),
      "); build //", package, ":", name, " or pass --", flag));
}

std::string LastLines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  return absl::StrJoin(lines, "\n");
}

}  // namespace

absl::StatusOr<ClusterBinaries> FindClusterBinaries(ClusterBinaries given,
                                                    const std::string& self) {
  ClusterBinaries found;
  TAILOR_ASSIGN_OR_RETURN(found.ps, Find(given.ps, "parameter_server",
                                         "tailor_ps", self, "ps_binary"));
  TAILOR_ASSIGN_OR_RETURN(
      found.coordinator,
      Find(given.coordinator, "trainer/distributed", "tailor_coordinator", self,
           "coordinator_binary"));
  TAILOR_ASSIGN_OR_RETURN(
      found.worker, Find(given.worker, "trainer/distributed", "tailor_worker",
                         self, "worker_binary"));
  return found;
}

std::string ClusterRunner::ShardName(int i) { return absl::StrCat("ps", i); }
std::string ClusterRunner::WorkerName(int i) {
  return absl::StrCat("worker", i);
}

ClusterRunner::ClusterRunner(ClusterOptions options,
                             std::unique_ptr<Supervisor> supervisor)
    : options_(std::move(options)), supervisor_(std::move(supervisor)) {}

ClusterRunner::~ClusterRunner() { Stop(); }

absl::StatusOr<std::unique_ptr<ClusterRunner>> ClusterRunner::Create(
    ClusterOptions options) {
  if (options.work_dir.empty() || options.work_dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("cluster work directory must be absolute, got '",
                     options.work_dir, "'"));
  }
  if (options.shards < 1 || options.shards > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shards must be in 1..256, got ", options.shards));
  }
  if (options.workers < 1 || options.workers > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers must be in 1..256, got ", options.workers));
  }
  if (options.spec.dataset_dir().empty()) {
    return absl::InvalidArgumentError("the job needs a dataset (--dataset)");
  }
  if (!options.tls_dir.empty()) {
    if (options.tls_dir[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS directory must be absolute, got '", options.tls_dir, "'"));
    }
    for (const char* file : {"ca.crt", "ps.crt", "ps.key", "coordinator.crt",
                             "coordinator.key", "worker.crt", "worker.key"}) {
      const std::string path = absl::StrCat(options.tls_dir, "/", file);
      if (access(path.c_str(), R_OK) != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "TLS directory ", options.tls_dir, " lacks a readable ", file,
            " (make it with tools/certs/make_certs.sh)"));
      }
    }
  }
  TAILOR_RETURN_IF_ERROR(MakeDir(options.work_dir));
  for (const char* sub : {"/ports", "/state", "/models"}) {
    TAILOR_RETURN_IF_ERROR(MakeDir(options.work_dir + sub));
  }
  if (options.export_base.empty()) {
    options.export_base = options.work_dir + "/models";
  }
  SupervisorOptions supervisor;
  supervisor.log_dir = options.work_dir + "/logs";
  supervisor.restart = options.restart;
  supervisor.stop_grace = options.stop_grace;
  supervisor.on_event = options.on_event;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Supervisor> s,
                          Supervisor::Create(supervisor));
  return std::unique_ptr<ClusterRunner>(
      new ClusterRunner(std::move(options), std::move(s)));
}

void ClusterRunner::OnCoordinatorLine(const std::string& line) {
  ProgressLine progress;
  progress.text = line;
  progress.json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/
                                        false);
  if (!progress.json.is_object()) return;  // not a progress line
  progress.final = progress.json.contains("done");
  if (progress.final && !progress.json.value("done", false)) {
    // The coordinator gave up on purpose (bad spec, a shard that never came
    // back, ...): restarting it would repeat the failure.
    supervisor_->MarkFinal(kCoordinator);
  }
  {
    absl::MutexLock lock(&mu_);
    if (progress.final) {
      final_line_ = progress.json;
    } else if (progress.json.contains("iteration")) {
      iterations_.push_back(progress.json);
    } else {
      return;
    }
  }
  if (options_.on_progress) options_.on_progress(progress);
}

std::vector<std::string> ClusterRunner::SecurityArgs(
    const std::string& role) const {
  if (options_.tls_dir.empty()) return {"--insecure"};
  const std::string& d = options_.tls_dir;
  return {absl::StrCat("--tls_cert=", d, "/", role, ".crt"),
          absl::StrCat("--tls_key=", d, "/", role, ".key"),
          absl::StrCat("--tls_ca=", d, "/ca.crt")};
}

absl::Status ClusterRunner::Start() {
  start_time_ = absl::Now();
  const std::string& dir = options_.work_dir;
  const std::string state_dir = dir + "/state";
  tailor::v1::JobSpec spec = options_.spec;
  spec.set_workers(static_cast<uint32_t>(options_.workers));
  if (spec.checkpoint().every_iterations() == 0) {
    spec.mutable_checkpoint()->set_every_iterations(1);
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(spec, &text);
  const std::string spec_path = dir + "/job.textproto";
  {
    std::ofstream out(spec_path);
    out << text;
    if (!out) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", spec_path));
    }
  }
  const absl::Time deadline = absl::Now() + options_.startup_timeout;
  const auto port_file = [&](const std::string& name) {
    return absl::StrCat(dir, "/ports/", name, ".port");
  };

  for (int i = 0; i < options_.shards; ++i) {
    ProcessSpec ps;
    ps.name = ShardName(i);
    ps.binary = options_.binaries.ps;
    ps.port_file = port_file(ps.name);
    ps.args = {"--host=" + options_.host,
               "--port=0",
               "--port_file=" + ps.port_file,
               absl::StrCat("--shard_index=", i),
               absl::StrCat("--num_shards=", options_.shards),
               "--checkpoint_dir=" + state_dir};
    for (std::string& a : SecurityArgs("ps")) ps.args.push_back(std::move(a));
    ps.restart_args = {"--restore"};
    TAILOR_RETURN_IF_ERROR(supervisor_->Start(ps));
  }
  shards_.clear();
  for (int i = 0; i < options_.shards; ++i) {
    absl::StatusOr<int> port = supervisor_->WaitForPort(ShardName(i), deadline);
    if (!port.ok()) {
      supervisor_->Stop();
      return Explain(port.status(), supervisor_->Reports());
    }
    shards_.push_back(absl::StrCat(options_.host, ":", *port));
  }

  ProcessSpec coordinator;
  coordinator.name = kCoordinator;
  coordinator.binary = options_.binaries.coordinator;
  coordinator.port_file = port_file(kCoordinator);
  coordinator.args = {"--host=" + options_.host,
                      "--port=0",
                      "--port_file=" + coordinator.port_file,
                      "--job_spec=" + spec_path,
                      "--ps_addresses=" + absl::StrJoin(shards_, ","),
                      "--state_dir=" + state_dir,
                      absl::StrCat("--num_workers=", options_.workers),
                      "--export_base=" + options_.export_base,
                      "--export_name=" + options_.export_name,
                      "--progress_json"};
  for (std::string& a : SecurityArgs("coordinator")) {
    coordinator.args.push_back(std::move(a));
  }
  coordinator.args.insert(coordinator.args.end(),
                          options_.coordinator_args.begin(),
                          options_.coordinator_args.end());
  coordinator.on_stdout_line = [this](const std::string& line) {
    OnCoordinatorLine(line);
  };
  TAILOR_RETURN_IF_ERROR(supervisor_->Start(coordinator));
  absl::StatusOr<int> port = supervisor_->WaitForPort(kCoordinator, deadline);
  if (!port.ok()) {
    // E.g. a bad job spec: the coordinator checks it before it listens.
    supervisor_->Stop();
    return Explain(port.status(), supervisor_->Reports());
  }
  coordinator_ = absl::StrCat(options_.host, ":", *port);

  for (int i = 0; i < options_.workers; ++i) {
    ProcessSpec worker;
    worker.name = WorkerName(i);
    worker.binary = options_.binaries.worker;
    worker.args = {"--coordinator=" + coordinator_,
                   absl::StrCat("--worker_index=", i),
                   absl::StrCat("--threads=", options_.worker_threads)};
    for (std::string& a : SecurityArgs("worker")) {
      worker.args.push_back(std::move(a));
    }
    worker.args.insert(worker.args.end(), options_.worker_args.begin(),
                       options_.worker_args.end());
    TAILOR_RETURN_IF_ERROR(supervisor_->Start(worker));
  }
  return absl::OkStatus();
}

std::string ClusterRunner::Tail(const ProcessReport& report) const {
  const std::string tail = LastLines(report.stderr_log, 8);
  return tail.empty()
             ? ""
             : absl::StrCat("\nlast lines of ", report.stderr_log, ":\n", tail);
}

absl::StatusOr<ClusterResult> ClusterRunner::Wait() {
  const absl::Status finished = supervisor_->WaitForFinish(
      kCoordinator, start_time_ + options_.job_timeout);
  // The job is over either way: the workers and shards are no longer needed.
  supervisor_->Stop();
  ClusterResult result;
  result.processes = supervisor_->Reports();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start_time_);
  {
    absl::MutexLock lock(&mu_);
    result.iterations = iterations_;
    result.final_line = final_line_;
  }
  const nlohmann::json& last = result.final_line;
  const bool done = last.is_object() && last.value("done", false);
  if (finished.ok() && done) {
    result.export_path = last.value("export_path", "");
    return result;
  }
  return Explain(finished.ok() ? absl::InternalError(
                                     "coordinator exited 0 without a final "
                                     "{\"done\":true} line")
                               : finished,
                 result.processes);
}

absl::Status ClusterRunner::Explain(
    const absl::Status& cause, const std::vector<ProcessReport>& processes) {
  std::string why(cause.message());
  {
    absl::MutexLock lock(&mu_);
    if (final_line_.is_object() && final_line_.contains("error") &&
        final_line_["error"].is_string()) {
      why =
          absl::StrCat("coordinator: ", final_line_["error"].get<std::string>(),
                       " (", why, ")");
    }
  }
  // The end of the log of the process that failed (the coordinator's if
  // none did).
  std::string tail;
  for (const ProcessReport& r : processes) {
    if (r.state == ProcessState::kFailed) {
      tail = Tail(r);
      break;
    }
  }
  if (tail.empty()) {
    for (const ProcessReport& r : processes) {
      if (r.name == kCoordinator) tail = Tail(r);
    }
  }
  return absl::Status(cause.code(), absl::StrCat(why, tail));
}

void ClusterRunner::Stop() { supervisor_->Stop(); }

}  // namespace cluster
}  // namespace tailor
