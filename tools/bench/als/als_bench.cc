// Implicit ALS benchmark on a LIBMF text file (`u i r` per line, 0-based):
//   als_bench [--train=PATH] [--factors=64,128,256] [--solvers=cg,cholesky]
//             [--threads=2] [--epochs=5] [--cholesky_epochs=3]
// Prints the machine's peaks, then per case one JSON line per metric:
// seconds per epoch (median of the epochs after one warm-up), nnz/s,
// achieved GFLOP/s and GB/s with their share of the measured peaks.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/csr_matrix.h"
#include "tools/bench/als/libmf_reader.h"
#include "tools/bench/machine/machine_peaks.h"
#include "trainer/als/ials_trainer.h"

ABSL_FLAG(std::string, train, "",
          "LIBMF text file; default "
          "$HOME/.cache/tailor-peers/data/synth-full/train.txt");
ABSL_FLAG(std::string, factors, "64,128,256", "comma-separated k values");
ABSL_FLAG(std::string, solvers, "cg,cholesky", "cg and/or cholesky");
ABSL_FLAG(int, threads, 2, "OpenMP threads");
ABSL_FLAG(int, epochs, 5, "epochs per CG case (the first is a warm-up)");
ABSL_FLAG(int, cholesky_epochs, 3, "epochs per Cholesky case");
ABSL_FLAG(int, cg_steps, 3, "CG steps per row");
ABSL_FLAG(std::string, isa, "auto", "CG kernels: auto, avx2 or avx512");
ABSL_FLAG(bool, fp16, false, "CG gathers an fp16 copy of the fixed side");
ABSL_FLAG(float, regularization, 0.01f, "lambda");
ABSL_FLAG(float, alpha, 1.0f, "confidence 1 + alpha * r");
ABSL_FLAG(double, machine_seconds, 1.0, "seconds per machine-peak test");
ABSL_FLAG(bool, loss, true, "print the loss before and after training");

namespace tailor {
namespace {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec + u.ru_stime.tv_sec +
         1e-6 * u.ru_stime.tv_usec;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void Line(const std::string& c, const char* metric, double value,
          const char* unit, double peak = 0) {
  std::string extra;
  if (peak > 0) extra = absl::StrFormat(", \"peak_share\": %.4f", value / peak);
  std::printf(
      "{\"bench\": \"als\", \"case\": \"%s\", \"metric\": \"%s\", \"value\": "
      "%.6g, \"unit\": \"%s\"%s}\n",
      c.c_str(), metric, value, unit, extra.c_str());
  std::fflush(stdout);
}

int Run() {
  std::string path = absl::GetFlag(FLAGS_train);
  if (path.empty()) path = DefaultLibmfTrainPath();
  const int threads = absl::GetFlag(FLAGS_threads);
  const MachinePeaks peaks =
      MeasureMachinePeaks(threads, absl::GetFlag(FLAGS_machine_seconds));
  std::fputs(MachinePeaksJsonLines(peaks).c_str(), stdout);

  const double t0 = Now();
  absl::StatusOr<CsrMatrix> m = ReadLibmf(path);
  if (!m.ok()) {
    std::fprintf(stderr, "als_bench: reading %s: %s\n", path.c_str(),
                 std::string(m.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "read %s: %lld x %lld, %lld nonzeros in %.1f s\n",
               path.c_str(), (long long)m->rows, (long long)m->cols,
               (long long)m->nnz(), Now() - t0);

  for (absl::string_view solver :
       absl::StrSplit(absl::GetFlag(FLAGS_solvers), ',')) {
    for (absl::string_view ks :
         absl::StrSplit(absl::GetFlag(FLAGS_factors), ',')) {
      IalsOptions o;
      if (!absl::SimpleAtoi(ks, &o.factors)) {
        std::fprintf(stderr, "als_bench: bad --factors entry %s\n",
                     std::string(ks).c_str());
        return 1;
      }
      const bool cg = solver == "cg";
      if (!cg && solver != "cholesky") {
        std::fprintf(stderr, "als_bench: unknown solver %s\n",
                     std::string(solver).c_str());
        return 1;
      }
      o.solver = cg ? IalsOptions::Solver::kConjugateGradient
                    : IalsOptions::Solver::kCholesky;
      o.cg_steps = absl::GetFlag(FLAGS_cg_steps);
      o.cg_fp16_fixed = absl::GetFlag(FLAGS_fp16);
      const std::string isa = absl::GetFlag(FLAGS_isa);
      if (isa != "auto" && isa != "avx2" && isa != "avx512") {
        std::fprintf(stderr, "als_bench: --isa must be auto, avx2 or avx512\n");
        return 1;
      }
      o.isa = isa == "avx2"     ? IalsOptions::Isa::kAvx2
              : isa == "avx512" ? IalsOptions::Isa::kAvx512
                                : IalsOptions::Isa::kAuto;
      o.regularization = absl::GetFlag(FLAGS_regularization);
      o.alpha = absl::GetFlag(FLAGS_alpha);
      o.threads = threads;
      o.seed = 1;
      const std::string name =
          absl::StrFormat("ials_%s_k%d_t%d",
                          cg ? absl::StrFormat("cg%d", o.cg_steps) : "cholesky",
                          o.factors, threads) +
          (o.cg_fp16_fixed ? "_fp16" : "");
      auto trainer = IalsTrainer::Create(o, *m);
      if (!trainer.ok()) {
        std::fprintf(stderr, "als_bench: %s\n",
                     std::string(trainer.status().message()).c_str());
        return 1;
      }
      const bool loss = absl::GetFlag(FLAGS_loss);
      if (loss) Line(name, "loss_initial", (*trainer)->Loss(), "loss");
      const int epochs = std::max(2, cg ? absl::GetFlag(FLAGS_epochs)
                                        : absl::GetFlag(FLAGS_cholesky_epochs));
      std::vector<double> secs, gram, user, item, cpu;
      EpochStats last;
      for (int e = 0; e < epochs; ++e) {
        const double c0 = ProcessCpuSeconds();
        absl::StatusOr<EpochStats> s = (*trainer)->RunEpoch();
        const double c1 = ProcessCpuSeconds();
        if (!s.ok()) {
          std::fprintf(stderr, "als_bench: %s: %s\n", name.c_str(),
                       std::string(s.status().message()).c_str());
          return 1;
        }
        std::fprintf(stderr,
                     "%s epoch %d: %.3f s (gram %.3f, users %.3f, items %.3f, "
                     "cpu %.3f s/thread)\n",
                     name.c_str(), e, s->seconds, s->gram_seconds,
                     s->user_seconds, s->item_seconds, (c1 - c0) / threads);
        if (e == 0) continue;  // warm-up
        secs.push_back(s->seconds);
        gram.push_back(s->gram_seconds);
        user.push_back(s->user_seconds);
        item.push_back(s->item_seconds);
        cpu.push_back((c1 - c0) / threads);
        last = *s;
      }
      const double sec = Median(secs);
      Line(name, "seconds_per_epoch", sec, "s");
      Line(name, "gram_seconds_per_epoch", Median(gram), "s");
      Line(name, "user_seconds_per_epoch", Median(user), "s");
      Line(name, "item_seconds_per_epoch", Median(item), "s");
      Line(name, "cpu_seconds_per_epoch_per_thread", Median(cpu), "s");
      Line(name, "nnz_per_second", m->nnz() / sec, "1/s");
      Line(name, "gflops", last.flops / sec / 1e9, "GFLOP/s", peaks.fma_gflops);
      Line(name, "gflop_per_epoch", last.flops / 1e9, "GFLOP");
      // On a shared machine the wall clock includes time the threads were
      // not running; per-thread CPU time does not (it still includes cache
      // misses caused by the other processes).
      const double cpu_sec = Median(cpu);
      Line(name, "gflops_per_cpu_time", last.flops / cpu_sec / 1e9, "GFLOP/s",
           peaks.fma_gflops);
      Line(name, "gbytes_per_second", last.bytes / sec / 1e9, "GB/s",
           peaks.read_gbps);
      Line(name, "gbytes_per_epoch", last.bytes / 1e9, "GB");
      if (loss) Line(name, "loss_final", (*trainer)->Loss(), "loss");
    }
  }
  return 0;
}

}  // namespace
}  // namespace tailor

// absl's --help exits with status 1; every Tailor binary answers --help with
// its flags and status 0.
constexpr char kHelp[] =
    "als_bench: implicit ALS benchmark (CG and Cholesky) on a LIBMF text "
    "file;\n"
    "JSON lines on stdout, per-epoch progress on stderr.\n\n"
    "  --train=PATH          LIBMF `u i r` file (default\n"
    "                        "
    "$HOME/.cache/tailor-peers/data/synth-full/train.txt)\n"
    "  --factors=64,128,256  k values\n"
    "  --solvers=cg,cholesky solvers\n"
    "  --threads=2           OpenMP threads\n"
    "  --epochs=5            epochs per CG case (first is a warm-up)\n"
    "  --cholesky_epochs=3   epochs per Cholesky case\n"
    "  --cg_steps=3          CG steps per row\n"
    "  --regularization=0.01 lambda\n"
    "  --alpha=1             confidence 1 + alpha * r\n"
    "  --machine_seconds=1   seconds per machine-peak test\n"
    "  --loss=true           print the loss before and after training\n";

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::fputs(kHelp, stdout);
      return 0;
    }
  }
  absl::SetProgramUsageMessage(
      "Implicit ALS benchmark (CG and Cholesky) on a LIBMF text file; JSON "
      "lines on stdout, per-epoch progress on stderr.");
  absl::ParseCommandLine(argc, argv);
  return tailor::Run();
}
