#include "tests/distributed/local_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "zlib.h"

extern char** environ;

namespace tailor::testing_dist {
namespace {

// Bazel runs tests from the runfiles root of the workspace.
constexpr char kPs[] = "parameter_server/tailor_ps";
constexpr char kCoordinator[] = "trainer/distributed/tailor_coordinator";
constexpr char kWorker[] = "trainer/distributed/tailor_worker";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Process::~Process() {
  if (pid_ > 0) Kill(SIGKILL);
}

absl::Status Process::Start(const std::vector<std::string>& args,
                            const std::string& stdout_path,
                            const std::string& stderr_path) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = 0;
    return absl::InternalError(absl::StrCat("could not spawn ", args[0]));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Process::WaitForPort(const std::string& port_file,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    std::string text;
    int port = 0;
    if (in && std::getline(in, text) &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) {
      return port;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return absl::InternalError(
          absl::StrCat("process exited before writing ", port_file));
    }
    absl::SleepFor(absl::Milliseconds(10));  // polling interval of the file
  }
  return absl::DeadlineExceededError(absl::StrCat("no port in ", port_file));
}

absl::StatusOr<int> Process::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = 0;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return WIFSIGNALED(status) ? -WTERMSIG(status) : -1000;
    }
    if (absl::Now() > deadline) {
      Kill(SIGKILL);
      return absl::DeadlineExceededError("process did not exit in time");
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling interval of waitpid
  }
  return absl::FailedPreconditionError("no process");
}

void Process::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
}

LocalCluster::LocalCluster(ClusterOptions options)
    : options_(std::move(options)) {}

LocalCluster::~LocalCluster() {
  for (auto& w : workers_) w->Kill(SIGKILL);
  if (coordinator_) coordinator_->Kill(SIGKILL);
  for (auto& s : shards_) s->Kill(SIGKILL);
}

absl::Status LocalCluster::Start() {
  const std::string& dir = options_.dir;
  FileSystem* fs = PosixFileSystem();
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(state_dir()));
  for (int i = 0; i < options_.shards; ++i) {
    auto p = std::make_unique<Process>();
    const std::string port_file = absl::StrCat(dir, "/ps", i, ".port");
    TAILOR_RETURN_IF_ERROR(
        p->Start({kPs, "--insecure", "--port=0", "--port_file=" + port_file,
                  absl::StrCat("--shard_index=", i),
                  absl::StrCat("--num_shards=", options_.shards),
                  "--checkpoint_dir=" + state_dir(), "--restore"},
                 absl::StrCat(dir, "/ps", i, ".out"),
                 absl::StrCat(dir, "/ps", i, ".err")));
    TAILOR_ASSIGN_OR_RETURN(int port,
                            p->WaitForPort(port_file, absl::Seconds(60)));
    addresses_.push_back(absl::StrCat("127.0.0.1:", port));
    shards_.push_back(std::move(p));
  }
  const std::string spec_path = dir + "/job.textproto";
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, spec_path, options_.job_spec_text));
  std::vector<std::string> args = {
      kCoordinator,
      "--insecure",
      "--port=0",
      "--port_file=" + dir + "/coordinator.port",
      "--job_spec=" + spec_path,
      "--ps_addresses=" + absl::StrJoin(addresses_, ","),
      "--state_dir=" + state_dir(),
      absl::StrCat("--num_workers=", options_.workers),
      "--export_base=" + models_dir(),
      "--export_name=model",
      "--progress_json"};
  for (const std::string& f : options_.coordinator_flags) args.push_back(f);
  coordinator_ = std::make_unique<Process>();
  TAILOR_RETURN_IF_ERROR(coordinator_->Start(args, dir + "/coordinator.out",
                                             dir + "/coordinator.err"));
  TAILOR_ASSIGN_OR_RETURN(
      int port,
      coordinator_->WaitForPort(dir + "/coordinator.port", absl::Seconds(120)));
  coordinator_address_ = absl::StrCat("127.0.0.1:", port);
  const int processes =
      options_.worker_processes >= 0
          ? std::min(options_.worker_processes, options_.workers)
          : options_.workers;
  for (int i = 0; i < processes; ++i) {
    auto p = std::make_unique<Process>();
    TAILOR_RETURN_IF_ERROR(p->Start(
        {kWorker, "--insecure", absl::StrCat("--coordinator=127.0.0.1:", port),
         absl::StrCat("--worker_index=", i),
         absl::StrCat("--threads=", options_.worker_threads),
         "--coordinator_wait_ms=30000"},
        absl::StrCat(dir, "/worker", i, ".out"),
        absl::StrCat(dir, "/worker", i, ".err")));
    workers_.push_back(std::move(p));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LocalCluster::WaitForJob(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  TAILOR_ASSIGN_OR_RETURN(int code, coordinator_->Wait(timeout));
  worker_codes_.clear();
  for (auto& w : workers_) {
    absl::StatusOr<int> c =
        w->Wait(std::max(deadline - absl::Now(), absl::Seconds(30)));
    worker_codes_.push_back(c.ok() ? *c : -1000);
  }
  return code;
}

std::string LocalCluster::CoordinatorStdout() const {
  return ReadAll(options_.dir + "/coordinator.out");
}
std::string LocalCluster::CoordinatorStderr() const {
  return ReadAll(options_.dir + "/coordinator.err");
}

absl::Status WriteSyntheticRatings(const std::string& dir, int users, int items,
                                   int per_user, uint64_t seed) {
  DatasetWriterOptions wo;
  wo.fs = PosixFileSystem();
  wo.output_dir = dir;
  wo.target_partition_entries = 4096;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(wo));
  const KeyHasher hasher = KeyHasher::Public();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  constexpr int kRank = 3;
  std::vector<double> uf(users * kRank), itf(items * kRank), ib(items);
  for (double& v : uf) v = normal(rng);
  for (double& v : itf) v = normal(rng);
  for (double& v : ib) v = 0.5 * normal(rng);
  int64_t lines = 0;
  for (int u = 0; u < users; ++u) {
    const std::string uid = absl::StrCat("u", u);
    TAILOR_ASSIGN_OR_RETURN(uint32_t uo,
                            writer->users().Intern(hasher.UserKey(uid), uid));
    std::set<int> seen;
    while (static_cast<int>(seen.size()) < std::min(per_user, items)) {
      const double x = std::uniform_real_distribution<double>(0, 1)(rng);
      const int i = static_cast<int>(x * x * items);  // popularity skew
      if (!seen.insert(i).second) continue;
      const std::string iid = absl::StrCat("i", i);
      TAILOR_ASSIGN_OR_RETURN(uint32_t io,
                              writer->items().Intern(hasher.ItemKey(iid), iid));
      double s = 3.2 + ib[i] + 0.3 * normal(rng);
      for (int c = 0; c < kRank; ++c)
        s += 0.5 * uf[u * kRank + c] * itf[i * kRank + c];
      const float r = static_cast<float>(std::clamp(std::round(s), 1.0, 5.0));
      TAILOR_RETURN_IF_ERROR(writer->Add(uo, io, r, 1700000000 + lines, 0));
      ++lines;
    }
  }
  DatasetManifest manifest;
  manifest.lines_read = lines;
  manifest.accepted = lines;
  manifest.has_timestamps = true;
  manifest.value_name = "rating";
  return writer->Finish(manifest).status();
}

absl::Status WriteMovieLens100k(const std::string& u_data,
                                const std::string& dir) {
  gzFile in = gzopen(u_data.c_str(), "rb");  // plain or gzip
  if (in == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot read ", u_data));
  }
  std::string text;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(in, buf, sizeof(buf))) > 0) text.append(buf, n);
  gzclose(in);
  DatasetWriterOptions wo;
  wo.fs = PosixFileSystem();
  wo.output_dir = dir;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(wo));
  const KeyHasher hasher = KeyHasher::Public();
  int64_t lines = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    float rating = 0;
    int64_t ts = 0;
    if (f.size() < 4 || !absl::SimpleAtof(f[2], &rating) ||
        !absl::SimpleAtoi(f[3], &ts)) {
      return absl::DataLossError(absl::StrCat(u_data, ": bad line ", line));
    }
    TAILOR_ASSIGN_OR_RETURN(uint32_t uo,
                            writer->users().Intern(hasher.UserKey(f[0]), f[0]));
    TAILOR_ASSIGN_OR_RETURN(uint32_t io,
                            writer->items().Intern(hasher.ItemKey(f[1]), f[1]));
    TAILOR_RETURN_IF_ERROR(writer->Add(uo, io, rating, ts, 0));
    ++lines;
  }
  DatasetManifest manifest;
  manifest.lines_read = lines;
  manifest.accepted = lines;
  manifest.has_timestamps = true;
  manifest.value_name = "rating";
  return writer->Finish(manifest).status();
}

std::string LastDoneLine(const std::string& text) {
  std::string last;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("done")) {
      last = std::string(line);
    }
  }
  return last;
}

}  // namespace tailor::testing_dist
