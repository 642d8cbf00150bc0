#include "tests/netfault/proxied_job.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "core/status_macros.h"

namespace tailor {
namespace netfault {
namespace {

// Bazel runs tests from the runfiles root of the workspace.
constexpr char kPs[] = "parameter_server/tailor_ps";
constexpr char kCoordinator[] = "trainer/distributed/tailor_coordinator";
constexpr char kWorker[] = "trainer/distributed/tailor_worker";
// Plaintext on loopback (the proxies forward bytes); --undefok lets a build
// without transport-security flags ignore it.
constexpr char kInsecure[] = "--insecure";
constexpr char kUndefOk[] = "--undefok=insecure";

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) lines.push_back(std::move(j));
  }
  return lines;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProxiedJob>> ProxiedJob::Start(
    const ProxiedJobOptions& options) {
  std::unique_ptr<ProxiedJob> job(new ProxiedJob(options));
  const std::string& dir = options.dir;
  if (system(absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir, "/state")
                 .c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot create ", dir));
  }
  std::vector<std::string> proxied;
  for (int i = 0; i < options.shards; ++i) {
    auto shard = std::make_unique<ChildProcess>();
    const std::string port_file = absl::StrCat(dir, "/ps", i, ".port");
    TAILOR_RETURN_IF_ERROR(
        shard->Start({kPs, "--insecure", "--port=0", "--port_file=" + port_file,
                      absl::StrCat("--shard_index=", i),
                      absl::StrCat("--num_shards=", options.shards),
                      "--checkpoint_dir=" + job->state_dir(), "--restore",
                      kInsecure, kUndefOk},
                     absl::StrCat(dir, "/ps", i, ".out"),
                     absl::StrCat(dir, "/ps", i, ".err")));
    TAILOR_ASSIGN_OR_RETURN(int port,
                            shard->WaitForPort(port_file, absl::Seconds(60)));
    job->shards_.push_back(std::move(shard));
    FaultProxyOptions po;
    po.target_port = port;
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<FaultProxy> proxy,
                            FaultProxy::Create(po));
    proxied.push_back(proxy->address());
    job->proxies_.push_back(std::move(proxy));
  }
  const std::string spec_path = dir + "/job.textproto";
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(PosixFileSystem(), spec_path, options.job_spec_text));
  std::vector<std::string> args = {
      kCoordinator,
      "--insecure",
      "--port=0",
      "--port_file=" + dir + "/coordinator.port",
      "--job_spec=" + spec_path,
      "--ps_addresses=" + absl::StrJoin(proxied, ","),
      "--state_dir=" + job->state_dir(),
      absl::StrCat("--num_workers=", options.workers),
      "--export_base=" + dir + "/models",
      "--export_name=model",
      "--progress_json",
      kInsecure,
      kUndefOk};
  for (const std::string& f : options.coordinator_flags) args.push_back(f);
  job->coordinator_ = std::make_unique<ChildProcess>();
  TAILOR_RETURN_IF_ERROR(job->coordinator_->Start(args, job->stdout_path(),
                                                  dir + "/coordinator.err"));
  TAILOR_ASSIGN_OR_RETURN(
      int port, job->coordinator_->WaitForPort(dir + "/coordinator.port",
                                               absl::Seconds(120)));
  for (int i = 0; i < options.workers; ++i) {
    auto worker = std::make_unique<ChildProcess>();
    std::vector<std::string> wargs = {
        kWorker,
        "--insecure",
        absl::StrCat("--coordinator=127.0.0.1:", port),
        absl::StrCat("--worker_index=", i),
        "--threads=1",
        "--coordinator_wait_ms=30000",
        kInsecure,
        kUndefOk};
    for (const std::string& f : options.worker_flags) wargs.push_back(f);
    TAILOR_RETURN_IF_ERROR(
        worker->Start(wargs, absl::StrCat(dir, "/worker", i, ".out"),
                      absl::StrCat(dir, "/worker", i, ".err")));
    job->workers_.push_back(std::move(worker));
  }
  return job;
}

ProxiedJob::~ProxiedJob() {
  for (auto& w : workers_) w->Kill(SIGKILL);
  if (coordinator_) coordinator_->Kill(SIGKILL);
  proxies_.clear();
  for (auto& s : shards_) s->Kill(SIGKILL);
}

bool ProxiedJob::WaitForIteration(int iteration, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return false;
  inotify_add_watch(fd, stdout_path().c_str(), IN_MODIFY | IN_CLOSE_WRITE);
  bool reached = false;
  while (absl::Now() < deadline) {
    bool final_seen = false;
    for (const nlohmann::json& line :
         JsonLines(ReadFileOrEmpty(stdout_path()))) {
      if (line.value("iteration", -1) == iteration) reached = true;
      if (line.contains("done")) final_seen = true;
    }
    if (reached || final_seen) break;
    if (coordinator_->Wait(absl::ZeroDuration()).ok()) break;  // exited
    pollfd p = {fd, POLLIN, 0};
    const int64_t ms = std::min<int64_t>(
        1000, absl::ToInt64Milliseconds(deadline - absl::Now()));
    poll(&p, 1, static_cast<int>(std::max<int64_t>(ms, 0)));
    char buffer[4096];
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
  }
  close(fd);
  return reached;
}

absl::StatusOr<int> ProxiedJob::WaitForCoordinator(
    absl::Duration timeout, absl::Duration worker_grace) {
  absl::StatusOr<int> code = coordinator_->Wait(timeout);
  if (!code.ok()) return code;
  worker_codes_.clear();
  const absl::Time deadline = absl::Now() + worker_grace;
  for (auto& w : workers_) {
    absl::StatusOr<int> c =
        w->Wait(std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!c.ok()) {
      w->Kill(SIGKILL);
      worker_codes_.push_back(-SIGKILL);
    } else {
      worker_codes_.push_back(*c);
    }
  }
  return code;
}

std::vector<nlohmann::json> ProxiedJob::Iterations() const {
  std::vector<nlohmann::json> out;
  for (nlohmann::json& line : JsonLines(ReadFileOrEmpty(stdout_path()))) {
    if (line.contains("iteration") && !line.contains("done")) {
      out.push_back(std::move(line));
    }
  }
  return out;
}

nlohmann::json ProxiedJob::FinalLine() const {
  nlohmann::json last;
  for (nlohmann::json& line : JsonLines(ReadFileOrEmpty(stdout_path()))) {
    if (line.contains("done")) last = std::move(line);
  }
  return last;
}

std::string ProxiedJob::CoordinatorStderr() const {
  return ReadFileOrEmpty(options_.dir + "/coordinator.err");
}

absl::Status WritePlantedDataset(const std::string& dir, int users, int items,
                                 int clusters, int per_user, uint64_t seed) {
  DatasetWriterOptions wo;
  wo.fs = PosixFileSystem();
  wo.output_dir = dir;
  wo.target_partition_entries = 4096;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(wo));
  const KeyHasher hasher = KeyHasher::Public();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  const int per_cluster = items / clusters;
  int64_t lines = 0;
  for (int u = 0; u < users; ++u) {
    const std::string uid = absl::StrCat("u", u);
    TAILOR_ASSIGN_OR_RETURN(uint32_t uo,
                            writer->users().Intern(hasher.UserKey(uid), uid));
    const int own = u % clusters;
    std::set<int> seen;
    while (static_cast<int>(seen.size()) < std::min(per_user, items)) {
      const int cluster =
          uniform(rng) < 0.85 ? own : static_cast<int>(rng() % clusters);
      const double x = uniform(rng);  // popularity skew inside a cluster
      const int item =
          cluster * per_cluster + static_cast<int>(x * x * per_cluster);
      if (!seen.insert(item).second) continue;
      const std::string iid = absl::StrCat("i", item);
      TAILOR_ASSIGN_OR_RETURN(uint32_t io,
                              writer->items().Intern(hasher.ItemKey(iid), iid));
      TAILOR_RETURN_IF_ERROR(writer->Add(uo, io, cluster == own ? 5.0f : 1.0f,
                                         1700000000 + lines, 0));
      ++lines;
    }
  }
  DatasetManifest manifest;
  manifest.lines_read = lines;
  manifest.accepted = lines;
  manifest.has_timestamps = true;
  return writer->Finish(manifest).status();
}

}  // namespace netfault
}  // namespace tailor
