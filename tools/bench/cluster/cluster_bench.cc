// Distributed vs single-process training on the same dataset, in one run:
//   cluster_bench --dataset=DIR [--factors=64] [--shards=2] [--workers=2]
//                 [--threads=2] [--als_iterations=4] [--sgd_iterations=4]
//                 [--cases=als,sgd] [--loss_every=0] [--checkpoint_every=0]
//                 [--work_dir=/tmp/...]
// DIR is a dataset written by `tailor ingest` (docs/cluster.md shows how to
// make one from the peers' MovieLens-20M-shaped train.txt). For each case it
// trains with `tailor cluster`'s runner (S tailor_ps shards, a coordinator,
// W tailor_worker processes with threads/W threads each) and with the
// single-process trainer (--threads threads) on the same matrix, and prints
// JSON lines {"bench":"cluster","case","metric","value","unit"}: seconds per
// epoch (median after the first), CPU seconds per epoch (all processes of
// the cluster, read from /proc at each progress line; this process for the
// single-process trainer), their ratio, updates per second, bytes moved per
// ALS epoch next to the minimum, and each process's peak RSS.

#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "core/file_system.h"
#include "tools/bench/machine/machine_peaks.h"
#include "tools/cluster/cluster_runner.h"
#include "trainer/als/ials_trainer.h"
#include "trainer/local/interactions.h"
#include "trainer/sgd/sgd_trainer.h"

ABSL_FLAG(std::string, dataset, "", "Dataset directory (tailor ingest).");
ABSL_FLAG(int, factors, 64, "k");
ABSL_FLAG(int, shards, 2, "parameter-server shards");
ABSL_FLAG(int, workers, 2, "worker processes");
ABSL_FLAG(int, threads, 2,
          "threads of the single-process trainer; each worker gets "
          "max(1, threads / workers)");
ABSL_FLAG(int, als_iterations, 4, "ALS epochs per trainer (first: warm-up)");
ABSL_FLAG(int, sgd_iterations, 4, "SGD epochs per trainer (first: warm-up)");
ABSL_FLAG(std::string, cases, "als,sgd", "als and/or sgd");
ABSL_FLAG(int, loss_every, 0,
          "ALS: the coordinator's --loss_every (0: no training loss, as the "
          "single-process RunEpoch computes none)");
ABSL_FLAG(int, checkpoint_every, 0,
          "the job's checkpoint.every_iterations (0: none after iteration 0; "
          "tailor cluster's default is every iteration). The cluster's CPU "
          "seconds of an epoch include the checkpoint that follows it");
ABSL_FLAG(std::string, work_dir, "",
          "cluster working directory (default: a new /tmp/cluster-bench-*)");
ABSL_FLAG(double, machine_seconds, 0.5, "seconds per machine-peak test");

namespace tailor {
namespace {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double SelfCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec + u.ru_stime.tv_sec +
         1e-6 * u.ru_stime.tv_usec;
}

// utime + stime of a live process, from /proc/<pid>/stat.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text;
  std::getline(in, text);
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(f);
    if (i == 15) {
      stime = std::stod(f);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Drops the first (warm-up) value when there are more.
std::vector<double> AfterWarmup(std::vector<double> v) {
  if (v.size() > 1) v.erase(v.begin());
  return v;
}

void Line(const std::string& c, const std::string& metric, double value,
          const char* unit) {
  std::printf(
      "{\"bench\": \"cluster\", \"case\": \"%s\", \"metric\": \"%s\", "
      "\"value\": %.6g, \"unit\": \"%s\"}\n",
      c.c_str(), metric.c_str(), value, unit);
  std::fflush(stdout);
}

struct EpochFigures {
  std::vector<double> seconds, cpu_seconds, bytes, min_bytes;
  std::vector<cluster::ProcessReport> processes;
};

std::string BinDir() {
  char buffer[4096];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

absl::StatusOr<EpochFigures> RunCluster(const tailor::v1::JobSpec& spec,
                                        const std::string& work_dir) {
  cluster::ClusterOptions options;
  const std::string self = BinDir();
  cluster::ClusterBinaries given;
  const std::string runfiles = self + ".runfiles/tailor/";
  given.ps = runfiles + "parameter_server/tailor_ps";
  given.coordinator = runfiles + "trainer/distributed/tailor_coordinator";
  given.worker = runfiles + "trainer/distributed/tailor_worker";
  absl::StatusOr<cluster::ClusterBinaries> binaries =
      cluster::FindClusterBinaries(given, self);
  if (!binaries.ok()) return binaries.status();
  options.binaries = *binaries;
  options.spec = spec;
  options.work_dir = work_dir;
  options.shards = absl::GetFlag(FLAGS_shards);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.worker_threads =
      std::max(1, absl::GetFlag(FLAGS_threads) / options.workers);
  options.restart.max_restarts = 0;  // a benchmark reports failures
  options.coordinator_args.push_back(
      absl::StrCat("--loss_every=", absl::GetFlag(FLAGS_loss_every)));
  EpochFigures figures;
  absl::Mutex mu;
  double last_cpu = 0;
  cluster::ClusterRunner* runner_ptr = nullptr;
  auto cluster_cpu = [&]() {
    double total = 0;
    for (const cluster::ProcessReport& r :
         runner_ptr->supervisor()->Reports()) {
      const pid_t pid = runner_ptr->supervisor()->Pid(r.name);
      if (pid > 0) total += ProcessCpuSeconds(pid);
    }
    return total;
  };
  options.on_progress = [&](const cluster::ProgressLine& line) {
    if (line.final) return;
    const double cpu = cluster_cpu();
    absl::MutexLock lock(&mu);
    const nlohmann::json& j = line.json;
    figures.seconds.push_back(
        j.value("train_seconds", j.value("seconds", 0.0)));
    figures.cpu_seconds.push_back(cpu - last_cpu);
    last_cpu = cpu;
    figures.bytes.push_back(j.value("bytes_moved", 0.0));
    if (j.contains("min_bytes")) {
      figures.min_bytes.push_back(j["min_bytes"].get<double>());
    }
    std::fprintf(stderr, "cluster iteration %d: %s\n", j.value("iteration", 0),
                 line.text.c_str());
  };
  absl::StatusOr<std::unique_ptr<cluster::ClusterRunner>> runner =
      cluster::ClusterRunner::Create(options);
  if (!runner.ok()) return runner.status();
  runner_ptr = runner->get();
  absl::Status started = (*runner)->Start();
  if (!started.ok()) return started;
  {
    // CPU spent starting up (loading the dataset) is not an epoch's.
    absl::MutexLock lock(&mu);
    last_cpu = cluster_cpu();
  }
  absl::StatusOr<cluster::ClusterResult> result = (*runner)->Wait();
  if (!result.ok()) return result.status();
  absl::MutexLock lock(&mu);
  figures.processes = result->processes;
  return figures;
}

tailor::v1::JobSpec BaseSpec(const std::string& algorithm) {
  tailor::v1::JobSpec spec;
  spec.set_dataset_dir(absl::GetFlag(FLAGS_dataset));
  spec.set_algorithm(algorithm);
  spec.set_factors(absl::GetFlag(FLAGS_factors));
  spec.set_seed(1);
  spec.set_threads(
      std::max(1, absl::GetFlag(FLAGS_threads) / absl::GetFlag(FLAGS_workers)));
  // No evaluation: both trainers see the whole matrix.
  return spec;
}

void ReportCluster(const std::string& name, const EpochFigures& f, int64_t nnz,
                   double single_seconds, double single_cpu, bool als) {
  const double sec = Median(AfterWarmup(f.seconds));
  const double cpu = Median(AfterWarmup(f.cpu_seconds));
  Line(name, "cluster_seconds_per_epoch", sec, "s");
  Line(name, "single_seconds_per_epoch", single_seconds, "s");
  Line(name, "cluster_cpu_seconds_per_epoch", cpu, "s");
  Line(name, "single_cpu_seconds_per_epoch", single_cpu, "s");
  if (als) {
    Line(name, "epoch_time_ratio_cluster_over_single", sec / single_seconds,
         "x");
    Line(name, "epoch_cpu_ratio_cluster_over_single", cpu / single_cpu, "x");
  } else {
    Line(name, "cluster_updates_per_second", nnz / sec, "1/s");
    Line(name, "single_updates_per_second", nnz / single_seconds, "1/s");
    Line(name, "throughput_share_cluster_of_single", single_seconds / sec, "x");
    Line(name, "throughput_share_cluster_of_single_cpu", single_cpu / cpu, "x");
  }
  const double bytes = Median(AfterWarmup(f.bytes));
  Line(name, "bytes_moved_per_epoch", bytes, "B");
  if (!f.min_bytes.empty()) {
    const double min_bytes = f.min_bytes.back();
    Line(name, "min_bytes_per_epoch", min_bytes, "B");
    Line(name, "bytes_over_min", bytes / min_bytes, "x");
  }
  for (const cluster::ProcessReport& r : f.processes) {
    Line(name, absl::StrCat("peak_rss_", r.name), r.peak_rss_kb / 1024.0,
         "MiB");
  }
}

int Run() {
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty()) {
    std::fprintf(stderr,
                 "cluster_bench: --dataset is required (see docs/cluster.md, "
                 "\"Benchmark\")\n");
    return 2;
  }
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  if (work_dir.empty()) {
    char pattern[] = "/tmp/cluster-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 1;
    work_dir = pattern;
  } else if (mkdir(work_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "cluster_bench: cannot create %s\n", work_dir.c_str());
    return 1;
  }
  const int threads = absl::GetFlag(FLAGS_threads);
  const MachinePeaks peaks =
      MeasureMachinePeaks(threads, absl::GetFlag(FLAGS_machine_seconds));
  std::fputs(MachinePeaksJsonLines(peaks).c_str(), stdout);
  absl::StatusOr<Interactions> data =
      LoadInteractions(PosixFileSystem(), dataset);
  if (!data.ok()) {
    std::fprintf(stderr, "cluster_bench: %s\n",
                 std::string(data.status().message()).c_str());
    return 1;
  }
  const int64_t nnz = data->matrix.nnz();
  std::fprintf(stderr, "cluster_bench: %s: %lld x %lld, %lld entries\n",
               dataset.c_str(), static_cast<long long>(data->matrix.rows),
               static_cast<long long>(data->matrix.cols),
               static_cast<long long>(nnz));
  const int k = absl::GetFlag(FLAGS_factors);
  for (absl::string_view c : absl::StrSplit(absl::GetFlag(FLAGS_cases), ',')) {
    const bool als = c == "als";
    if (!als && c != "sgd") {
      std::fprintf(stderr, "cluster_bench: unknown case %s\n",
                   std::string(c).c_str());
      return 2;
    }
    const std::string name = absl::StrFormat(
        "%s_k%d_s%d_w%d_t%d", als ? "ials_cg3" : "biased_mf", k,
        absl::GetFlag(FLAGS_shards), absl::GetFlag(FLAGS_workers), threads);
    const int iterations = als ? absl::GetFlag(FLAGS_als_iterations)
                               : absl::GetFlag(FLAGS_sgd_iterations);
    // Single process first.
    std::vector<double> single_seconds, single_cpu;
    if (als) {
      IalsOptions o;
      o.factors = k;
      o.regularization = 0.01f;
      o.alpha = 1.0f;
      o.cg_steps = 3;
      o.threads = threads;
      o.seed = 1;
      auto trainer = IalsTrainer::Create(o, data->matrix);
      if (!trainer.ok()) {
        std::fprintf(stderr, "cluster_bench: %s\n",
                     std::string(trainer.status().message()).c_str());
        return 1;
      }
      for (int e = 0; e < iterations; ++e) {
        const double c0 = SelfCpuSeconds(), t0 = Now();
        absl::StatusOr<EpochStats> s = (*trainer)->RunEpoch();
        if (!s.ok()) return 1;
        single_seconds.push_back(Now() - t0);
        single_cpu.push_back(SelfCpuSeconds() - c0);
        std::fprintf(stderr, "single ials epoch %d: %.3f s\n", e,
                     single_seconds.back());
      }
    } else {
      SgdOptions o;
      o.algorithm = SgdAlgorithm::kBiasedMf;
      o.factors = k;
      o.threads = threads;
      o.seed = 1;
      auto trainer = SgdTrainer::Create(o, data->matrix);
      if (!trainer.ok()) {
        std::fprintf(stderr, "cluster_bench: %s\n",
                     std::string(trainer.status().message()).c_str());
        return 1;
      }
      for (int e = 0; e < iterations; ++e) {
        absl::StatusOr<SgdEpochStats> s = (*trainer)->RunEpoch();
        if (!s.ok()) return 1;
        single_seconds.push_back(s->seconds);
        single_cpu.push_back(s->cpu_seconds);
        std::fprintf(stderr, "single biased_mf epoch %d: %.3f s\n", e,
                     s->seconds);
      }
    }
    tailor::v1::JobSpec spec = BaseSpec(als ? "ials" : "biased_mf");
    spec.set_iterations(iterations);
    // every_iterations = iterations: no checkpoint between iterations (0
    // would make tailor cluster checkpoint every iteration).
    const int every = absl::GetFlag(FLAGS_checkpoint_every);
    spec.mutable_checkpoint()->set_every_iterations(every > 0 ? every
                                                              : iterations);
    if (als) {
      spec.set_regularization(0.01);
      spec.set_alpha(1.0);
      spec.set_solver(tailor::v1::SOLVER_CG);
      spec.set_cg_steps(3);
    }
    absl::StatusOr<EpochFigures> figures =
        RunCluster(spec, absl::StrCat(work_dir, "/", name));
    if (!figures.ok()) {
      std::fprintf(stderr, "cluster_bench: %s: %s\n", name.c_str(),
                   std::string(figures.status().message()).c_str());
      return 1;
    }
    ReportCluster(name, *figures, nnz, Median(AfterWarmup(single_seconds)),
                  Median(AfterWarmup(single_cpu)), als);
  }
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help") {
      std::printf(
          "cluster_bench: distributed (tailor cluster) vs single-process "
          "training on one dataset; JSON lines on stdout.\n\n"
          "  --dataset=DIR         dataset directory (tailor ingest)\n"
          "  --factors=64          k\n"
          "  --shards=2 --workers=2\n"
          "  --threads=2           single-process threads; threads/workers "
          "per worker\n"
          "  --als_iterations=4 --sgd_iterations=4 (first: warm-up)\n"
          "  --cases=als,sgd\n"
          "  --loss_every=0        ALS: the coordinator's --loss_every\n"
          "  --checkpoint_every=0  checkpoint.every_iterations (0: none "
          "after iteration 0)\n"
          "  --work_dir=DIR        cluster working directory\n"
          "  --machine_seconds=0.5 seconds per machine-peak test\n");
      return 0;
    }
  }
  absl::ParseCommandLine(argc, argv);
  return tailor::Run();
}
