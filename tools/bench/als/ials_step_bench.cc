// iALS half-step benchmark: times the user step and the item step apart, in
// process CPU seconds (all threads) as well as wall-clock seconds, so that
// changes to the row solver can be compared on a loaded machine:
//   ials_step_bench [--train=PATH] [--factors=64] [--threads=1]
//                   [--cg_steps=3] [--warmup=1] [--reps=3] [--solver=cg]
//                   [--isa=auto|avx2|avx512]
// Prints one JSON line per metric (medians over --reps epochs after
// --warmup epochs) and the loss at the end, which must not change when only
// the speed of the kernels does.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "core/csr_matrix.h"
#include "tools/bench/als/libmf_reader.h"
#include "trainer/als/factor_matrix.h"
#include "trainer/als/implicit_als.h"

ABSL_FLAG(std::string, train, "", "LIBMF text file (default: peers' set)");
ABSL_FLAG(int, factors, 64, "k");
ABSL_FLAG(int, threads, 1, "OpenMP threads");
ABSL_FLAG(int, cg_steps, 3, "CG steps per row");
ABSL_FLAG(std::string, solver, "cg", "cg or cholesky");
ABSL_FLAG(int, warmup, 1, "epochs before timing");
ABSL_FLAG(int, reps, 3, "timed epochs");
ABSL_FLAG(std::string, isa, "auto", "CG kernels: auto, avx2 or avx512");
ABSL_FLAG(bool, fp16, false, "CG gathers an fp16 copy of the fixed side");
ABSL_FLAG(bool, sort_by_degree, false,
          "relabel users and items by descending number of entries");
ABSL_FLAG(int64_t, long_rows, 0,
          "with --sort_by_degree: time the first N rows of each step apart");

namespace tailor {
namespace {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double CpuSeconds() {
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
          const char* unit) {
  std::printf(
      "{\"bench\": \"ials_step\", \"case\": \"%s\", \"metric\": \"%s\", "
      "\"value\": %.6g, \"unit\": \"%s\"}\n",
      c.c_str(), metric, value, unit);
  std::fflush(stdout);
}

// Rank of each index when ordered by descending count (ties by index).
std::vector<uint32_t> RankByCount(const std::vector<int64_t>& count) {
  std::vector<uint32_t> order(count.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return count[a] > count[b]; });
  std::vector<uint32_t> rank(count.size());
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

CsrMatrix SortByDegree(const CsrMatrix& m) {
  std::vector<int64_t> rc(m.rows), cc(m.cols, 0);
  for (int64_t r = 0; r < m.rows; ++r) rc[r] = m.RowSize(r);
  for (uint32_t c : m.indices) ++cc[c];
  const std::vector<uint32_t> rr = RankByCount(rc), cr = RankByCount(cc);
  std::vector<uint32_t> rows, cols;
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      rows.push_back(rr[r]);
      cols.push_back(cr[m.indices[e]]);
    }
  }
  return CsrFromTriples(m.rows, m.cols, rows, cols, m.data,
                        DuplicatePolicy::kSum);
}

int Run() {
  std::string path = absl::GetFlag(FLAGS_train);
  if (path.empty()) path = DefaultLibmfTrainPath();
  absl::StatusOr<CsrMatrix> ui = ReadLibmf(path);
  if (!ui.ok()) {
    std::fprintf(stderr, "ials_step_bench: %s\n",
                 std::string(ui.status().message()).c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_sort_by_degree)) *ui = SortByDegree(*ui);
  const CsrMatrix iu = Transpose(*ui);
  IalsOptions o;
  o.factors = absl::GetFlag(FLAGS_factors);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.cg_steps = absl::GetFlag(FLAGS_cg_steps);
  o.cg_fp16_fixed = absl::GetFlag(FLAGS_fp16);
  const std::string isa = absl::GetFlag(FLAGS_isa);
  if (isa != "auto" && isa != "avx2" && isa != "avx512") {
    std::fprintf(stderr,
                 "ials_step_bench: --isa must be auto, avx2 or avx512\n");
    return 1;
  }
  o.isa = isa == "avx2"     ? IalsOptions::Isa::kAvx2
          : isa == "avx512" ? IalsOptions::Isa::kAvx512
                            : IalsOptions::Isa::kAuto;
  o.solver = absl::GetFlag(FLAGS_solver) == "cholesky"
                 ? IalsOptions::Solver::kCholesky
                 : IalsOptions::Solver::kConjugateGradient;
  FactorMatrix users(ui->rows, o.factors), items(ui->cols, o.factors);
  users.FillRandomNormal(1, o.init_stddev, o.threads);
  items.FillRandomNormal(2, o.init_stddev, o.threads);
  const std::string name =
      absl::StrFormat("ials_%s%d_k%d_t%d", absl::GetFlag(FLAGS_solver),
                      o.cg_steps, o.factors, o.threads) +
      (o.cg_fp16_fixed ? "_fp16" : "");
  std::vector<double> ucpu, icpu, uwall, iwall;
  const int warmup = absl::GetFlag(FLAGS_warmup);
  const int total = warmup + absl::GetFlag(FLAGS_reps);
  for (int e = 0; e < total; ++e) {
    const FactorMatrix ig = ComputeGram(items, o.threads);
    const double c0 = CpuSeconds(), w0 = Now();
    absl::Status s =
        SolveImplicitRows(o, *ui, 0, ui->rows, items, ig, users, "user step");
    const double c1 = CpuSeconds(), w1 = Now();
    if (!s.ok()) {
      std::fprintf(stderr, "ials_step_bench: %s\n",
                   std::string(s.message()).c_str());
      return 1;
    }
    const FactorMatrix ug = ComputeGram(users, o.threads);
    const double c2 = CpuSeconds(), w2 = Now();
    const int64_t split =
        std::min<int64_t>(absl::GetFlag(FLAGS_long_rows), iu.rows);
    double split_cpu = 0;
    if (split > 0) {
      s = SolveImplicitRows(o, iu, 0, split, users, ug, items, "item step");
      split_cpu = CpuSeconds() - c2;
      if (s.ok()) {
        s = SolveImplicitRows(o, iu, split, iu.rows, users, ug, items,
                              "item step");
      }
    } else {
      s = SolveImplicitRows(o, iu, 0, iu.rows, users, ug, items, "item step");
    }
    const double c3 = CpuSeconds(), w3 = Now();
    if (split > 0) {
      std::fprintf(stderr, "  item rows [0, %lld): %lld nnz, %.3f cpu-s\n",
                   (long long)split, (long long)iu.indptr[split], split_cpu);
    }
    if (!s.ok()) {
      std::fprintf(stderr, "ials_step_bench: %s\n",
                   std::string(s.message()).c_str());
      return 1;
    }
    std::fprintf(stderr,
                 "%s epoch %d: users %.3f cpu-s (%.3f wall), items %.3f cpu-s "
                 "(%.3f wall)\n",
                 name.c_str(), e, c1 - c0, w1 - w0, c3 - c2, w3 - w2);
    if (e < warmup) continue;
    ucpu.push_back(c1 - c0);
    icpu.push_back(c3 - c2);
    uwall.push_back(w1 - w0);
    iwall.push_back(w3 - w2);
  }
  Line(name, "user_step_cpu_seconds", Median(ucpu), "s");
  Line(name, "item_step_cpu_seconds", Median(icpu), "s");
  Line(name, "user_step_wall_seconds", Median(uwall), "s");
  Line(name, "item_step_wall_seconds", Median(iwall), "s");
  absl::StatusOr<double> loss = ImplicitLoss(o, *ui, users, items);
  Line(name, "loss", loss.ok() ? *loss : -1, "loss");
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::fputs(
          "ials_step_bench: CPU and wall seconds of the iALS user and item\n"
          "half-steps on a LIBMF text file; JSON lines on stdout.\n"
          "  --train=PATH --factors=64 --threads=1 --cg_steps=3\n"
          "  --solver=cg|cholesky --warmup=1 --reps=3\n",
          stdout);
      return 0;
    }
  }
  absl::ParseCommandLine(argc, argv);
  return tailor::Run();
}
