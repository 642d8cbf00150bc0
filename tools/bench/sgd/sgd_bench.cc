// Benchmarks the SGD trainer on LIBMF-format text files (`u i r` per line,
// 0-based ids), by default the peers' synthetic MovieLens-20M-shaped set.
// Prints one JSON object per line and measurement:
//   {"bench":"sgd","case":...,"metric":...,"value":...,"unit":...
//    [,"peak_share":...]}
// Figures of work per update (flops, bytes) are the model in
// docs/performance_sgd.md.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/csr_matrix.h"
#include "tools/bench/machine/machine_peaks.h"
#include "trainer/sgd/sgd_random.h"
#include "trainer/sgd/sgd_trainer.h"

ABSL_FLAG(std::string, train, "",
          "LIBMF text file of training ratings; default "
          "$HOME/.cache/tailor-peers/data/synth-full/train.txt");
ABSL_FLAG(std::string, valid, "",
          "LIBMF text file of validation ratings; default valid.txt beside "
          "--train");
ABSL_FLAG(std::string, cases, "mf64,mf128,bpr64",
          "Comma-separated cases: mf<k> (biased_mf), pmf<k>, bpr<k>, "
          "logistic<k>");
ABSL_FLAG(int, threads, 2, "Threads.");
ABSL_FLAG(int, epochs, 20, "Epochs for the explicit cases.");
ABSL_FLAG(int, implicit_epochs, 5, "Epochs for bpr / logistic.");
ABSL_FLAG(double, lr, 0.01, "Explicit learning rate.");
ABSL_FLAG(double, reg, 0.05, "Explicit L2 (factors and biases).");
ABSL_FLAG(double, implicit_lr, 0.05, "bpr / logistic learning rate.");
ABSL_FLAG(double, implicit_reg, 0.01, "bpr / logistic L2.");
ABSL_FLAG(double, decay, 0.0, "Inverse learning-rate decay per epoch.");
ABSL_FLAG(double, init_stddev, 0.1, "Initial factor standard deviation.");
ABSL_FLAG(std::string, sampling, "uniform",
          "Negative sampling for bpr / logistic: uniform or popularity.");
ABSL_FLAG(int, negatives, 1, "Negatives per positive (bpr / logistic).");
ABSL_FLAG(int, grid, 0, "Blocks per side (0: automatic).");
ABSL_FLAG(bool, deterministic, false, "Deterministic strata schedule.");
ABSL_FLAG(uint64_t, seed, 1, "Seed.");
ABSL_FLAG(double, peak_gflops, 0,
          "Machine peak FMA GFLOP/s for peak_share (0: measure)");
ABSL_FLAG(double, peak_gbps, 0,
          "Machine peak memory (triad) GB/s for peak_share (0: measure)");

namespace tailor {
namespace {

struct Triples {
  std::vector<uint32_t> u, i;
  std::vector<float> r;
  uint32_t max_u = 0, max_i = 0;
};

absl::StatusOr<Triples> ReadLibmf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  Triples t;
  const char* p = text.c_str();
  const char* end = p + text.size();
  int64_t line = 0;
  while (p < end) {
    ++line;
    char* next;
    const unsigned long u = std::strtoul(p, &next, 10);
    if (next == p) break;
    p = next;
    const unsigned long i = std::strtoul(p, &next, 10);
    if (next == p)
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected 'user item rating'"));
    p = next;
    const float r = std::strtof(p, &next);
    if (next == p)
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected a rating"));
    p = next;
    t.u.push_back(static_cast<uint32_t>(u));
    t.i.push_back(static_cast<uint32_t>(i));
    t.r.push_back(r);
    t.max_u = std::max<uint32_t>(t.max_u, u);
    t.max_i = std::max<uint32_t>(t.max_i, i);
  }
  return t;
}

void Emit(const std::string& c, const std::string& metric, double value,
          const std::string& unit, double peak = 0) {
  std::string line =
      absl::StrCat(R"({"bench":"sgd","case":")", c, R"(","metric":")", metric,
                   R"(","value":)", value, R"(,"unit":")", unit, "\"");
  if (peak > 0) absl::StrAppend(&line, R"(,"peak_share":)", value / peak);
  std::printf("%s}\n", line.c_str());
  std::fflush(stdout);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Bytes touched per epoch in the cache hierarchy: entries (item id, value),
// the item row and bias read and written per update, the user row read and
// written once per (user, block) run; bpr: two item rows.
double EpochBytes(const SgdTrainer& t, const CsrMatrix& m, bool bpr) {
  const double k = t.options().factors;
  const double nnz = static_cast<double>(m.nnz());
  // (user, column-range) runs: a user's row is loaded once per run.
  const GridPartition& g = t.grid();
  double runs = 0;
  for (int64_t u = 0; u < m.rows; ++u) {
    int last = -1;
    for (int64_t p = m.indptr[u]; p < m.indptr[u + 1]; ++p) {
      const int c = static_cast<int>(
          std::upper_bound(g.col_cuts.begin(), g.col_cuts.end(), m.indices[p]) -
          g.col_cuts.begin());
      if (c != last) ++runs;
      last = c;
    }
  }
  const double per_update = 8 + (bpr ? 2 : 1) * (8 * k + 8);
  return nnz * per_update + runs * (8 * k + 8);
}

int Run() {
  std::string train = absl::GetFlag(FLAGS_train);
  if (train.empty()) {
    const char* home = std::getenv("HOME");
    train = absl::StrCat(home ? home : "",
                         "/.cache/tailor-peers/data/synth-full/train.txt");
  }
  std::string valid = absl::GetFlag(FLAGS_valid);
  if (valid.empty()) {
    valid = train.substr(0, train.rfind('/') + 1) + "valid.txt";
  }
  absl::StatusOr<Triples> tr = ReadLibmf(train);
  if (!tr.ok()) {
    std::fprintf(stderr,
                 "sgd_bench: %s (make it with /usr/bin/python3 "
                 "/work/shared/peers/synth.py)\n",
                 std::string(tr.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<Triples> va = ReadLibmf(valid);
  if (!va.ok()) {
    std::fprintf(stderr, "sgd_bench: %s\n",
                 std::string(va.status().message()).c_str());
    return 1;
  }
  const int64_t rows = std::max(tr->max_u, va->max_u) + 1;
  const int64_t cols = std::max(tr->max_i, va->max_i) + 1;
  const CsrMatrix m =
      CsrFromTriples(rows, cols, tr->u, tr->i, tr->r, DuplicatePolicy::kLast);
  std::fprintf(stderr, "sgd_bench: %s: %lld x %lld, %lld ratings; valid %zu\n",
               train.c_str(), static_cast<long long>(rows),
               static_cast<long long>(cols), static_cast<long long>(m.nnz()),
               va->u.size());
  const int threads = absl::GetFlag(FLAGS_threads);
  double peak_gflops = absl::GetFlag(FLAGS_peak_gflops);
  double peak_gbps = absl::GetFlag(FLAGS_peak_gbps);
  if (peak_gflops <= 0 || peak_gbps <= 0) {
    const MachinePeaks peaks = MeasureMachinePeaks(threads, 1.0);
    std::printf("%s", MachinePeaksJsonLines(peaks).c_str());
    if (peak_gflops <= 0) peak_gflops = peaks.fma_gflops;
    if (peak_gbps <= 0) peak_gbps = peaks.triad_gbps;
  }
  for (absl::string_view c : absl::StrSplit(absl::GetFlag(FLAGS_cases), ',')) {
    std::string name(c);
    size_t digits = name.find_first_of("0123456789");
    if (digits == std::string::npos) {
      std::fprintf(stderr, "sgd_bench: bad case '%s'\n", name.c_str());
      return 1;
    }
    const std::string algo = name.substr(0, digits);
    const int k = std::atoi(name.c_str() + digits);
    SgdOptions o;
    o.factors = k;
    o.threads = threads;
    o.grid = absl::GetFlag(FLAGS_grid);
    o.deterministic = absl::GetFlag(FLAGS_deterministic);
    o.seed = absl::GetFlag(FLAGS_seed);
    o.init_stddev = absl::GetFlag(FLAGS_init_stddev);
    o.schedule.kind = LrSchedule::Kind::kInverse;
    o.schedule.decay = static_cast<float>(absl::GetFlag(FLAGS_decay));
    bool implicit = false;
    if (algo == "mf" || algo == "pmf") {
      o.algorithm = algo == "mf" ? SgdAlgorithm::kBiasedMf : SgdAlgorithm::kPmf;
      o.learning_rate = static_cast<float>(absl::GetFlag(FLAGS_lr));
      o.reg_factors = o.reg_bias = static_cast<float>(absl::GetFlag(FLAGS_reg));
      o.epochs = absl::GetFlag(FLAGS_epochs);
    } else if (algo == "bpr" || algo == "logistic") {
      implicit = true;
      o.algorithm =
          algo == "bpr" ? SgdAlgorithm::kBpr : SgdAlgorithm::kLogistic;
      o.learning_rate = static_cast<float>(absl::GetFlag(FLAGS_implicit_lr));
      o.reg_factors = o.reg_bias =
          static_cast<float>(absl::GetFlag(FLAGS_implicit_reg));
      o.epochs = absl::GetFlag(FLAGS_implicit_epochs);
      o.negatives = absl::GetFlag(FLAGS_negatives);
      absl::StatusOr<NegativeSampling> sampling =
          ParseNegativeSampling(absl::GetFlag(FLAGS_sampling));
      if (!sampling.ok()) {
        std::fprintf(stderr, "sgd_bench: --sampling: %s\n",
                     std::string(sampling.status().message()).c_str());
        return 1;
      }
      o.sampling = *sampling;
    } else {
      std::fprintf(stderr, "sgd_bench: bad case '%s'\n", name.c_str());
      return 1;
    }
    const std::string label =
        absl::StrCat(SgdAlgorithmName(o.algorithm), " k=", k, " t=", threads,
                     o.deterministic ? " deterministic" : "");
    absl::StatusOr<std::unique_ptr<SgdTrainer>> t = SgdTrainer::Create(o, m);
    if (!t.ok()) {
      std::fprintf(stderr, "sgd_bench: %s\n",
                   std::string(t.status().message()).c_str());
      return 1;
    }
    std::vector<double> seconds, cpu_seconds;
    double updates_per_epoch = 0;
    for (int e = 0; e < o.epochs; ++e) {
      absl::StatusOr<SgdEpochStats> s = (*t)->RunEpoch();
      if (!s.ok()) {
        std::fprintf(stderr, "sgd_bench: %s\n",
                     std::string(s.status().message()).c_str());
        return 1;
      }
      std::fprintf(stderr,
                   "%s epoch %d: %.3f s (cpu %.3f s), loss %.4f, %.1fM "
                   "updates/s\n",
                   label.c_str(), e + 1, s->seconds, s->cpu_seconds, s->loss,
                   s->updates_per_second / 1e6);
      if (e > 0 || o.epochs == 1) {
        seconds.push_back(s->seconds);
        cpu_seconds.push_back(s->cpu_seconds / threads);
      }
      updates_per_epoch = static_cast<double>(s->examples);
    }
    const double sec = Median(seconds);
    const double cpu_sec = Median(cpu_seconds);
    const double ups = updates_per_epoch / sec;
    const double cpu_ups = updates_per_epoch / cpu_sec;
    const bool bpr = o.algorithm == SgdAlgorithm::kBpr;
    // Flops per update: see docs/performance_sgd.md.
    const double flops = (bpr ? 13.0 : 8.0) * k;
    const double bytes = EpochBytes(**t, m, bpr);
    Emit(label, "seconds_per_epoch", sec, "s");
    Emit(label, "updates_per_second", ups, "1/s");
    Emit(label, "gflops", flops * ups / 1e9, "GFLOP/s", peak_gflops);
    Emit(label, "bytes_touched_gbps", bytes / sec / 1e9, "GB/s", peak_gbps);
    // The same from CPU time per thread: what the epoch takes when the
    // threads are not preempted (the machine is shared).
    Emit(label, "cpu_seconds_per_epoch_per_thread", cpu_sec, "s");
    Emit(label, "updates_per_second_cpu_time", cpu_ups, "1/s");
    Emit(label, "gflops_cpu_time", flops * cpu_ups / 1e9, "GFLOP/s",
         peak_gflops);
    Emit(label, "bytes_touched_gbps_cpu_time", bytes / cpu_sec / 1e9, "GB/s",
         peak_gbps);
    if (implicit) {
      // AUC of held-out positives against uniformly drawn items (a quality
      // check of the sampled-negative schemes; 10 items per positive).
      SplitMix64 rng(12345);
      int64_t wins = 0, total = 0;
      for (size_t x = 0; x < va->u.size(); ++x) {
        const float pos = (*t)->Predict(va->u[x], va->i[x]);
        for (int d = 0; d < 10; ++d) {
          const uint32_t j = rng.Below(static_cast<uint32_t>(cols));
          const float neg = (*t)->Predict(va->u[x], j);
          wins += 2 * (pos > neg) + (pos == neg);
          total += 2;
        }
      }
      Emit(label, absl::StrCat("valid_auc_after_", o.epochs, "_epochs"),
           static_cast<double>(wins) / total, "auc");
    }
    if (!implicit) {
      double se = 0;
      for (size_t x = 0; x < va->u.size(); ++x) {
        const double d = (*t)->Predict(va->u[x], va->i[x]) - va->r[x];
        se += d * d;
      }
      Emit(label, absl::StrCat("valid_rmse_after_", o.epochs, "_epochs"),
           std::sqrt(se / va->u.size()), "rmse");
    }
  }
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "SGD benchmark on LIBMF text files; prints JSON lines.");
  absl::ParseCommandLine(argc, argv);
  return tailor::Run();
}
