// Ingest throughput: writes a synthetic CSV `user,item,value,timestamp` of
// --lines lines (fixed seed; power-law item popularity) into a temporary
// directory, ingests it with the generic column mapping and prints one JSON
// object per measurement:
//   {"bench":"ingest","case":...,"metric":...,"value":...,"unit":...}
// The ingest runs --runs times over the same file and medians are printed.
// Phases (read, parse, hash, intern, spool, finish and its parts sort, route,
// build, write) are reported as shares of the ingesting thread's CPU time.
// lines_per_cpu_second divides by the process CPU time (all threads): the
// per-core figure, meaningful on a shared machine; lines_per_second divides
// by wall time. --threads=2 runs the two-stage pipeline (IngestOptions).

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "tools/ingest/ingest.h"

ABSL_FLAG(int64_t, lines, 10000000, "Data lines in the generated CSV.");
ABSL_FLAG(int64_t, bench_users, 1000000, "Distinct user ids (at most).");
ABSL_FLAG(int64_t, bench_items, 100000, "Distinct item ids (at most).");
ABSL_FLAG(std::string, tmp_dir, "/tmp",
          "Where the CSV and the dataset are written (removed afterwards).");
ABSL_FLAG(bool, keep, false, "Keep the generated files.");
ABSL_FLAG(std::string, input_csv, "",
          "Ingest this CSV (as written with --keep) instead of generating "
          "one; --lines, --bench_users and --bench_items then only name the "
          "case.");
ABSL_FLAG(int, threads, 1,
          "IngestOptions::threads (2: read and parse on a second thread).");
ABSL_FLAG(int64_t, batch_lines, 1 << 16,
          "IngestOptions::batch_lines (lines per parse/intern/spool batch).");
ABSL_FLAG(int, runs, 3, "Ingest runs over the same CSV; medians are printed.");
ABSL_FLAG(int64_t, spool_memory_mb, 1024,
          "IngestOptions::spool_memory_bytes in MiB (small values force the "
          "spilling path).");

namespace tailor {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void Print(const std::string& c, const std::string& metric, double value,
           const std::string& unit) {
  std::printf(
      "{\"bench\":\"ingest\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,"
      "\"unit\":\"%s\"}\n",
      c.c_str(), metric.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

absl::Status Generate(FileSystem* fs, const std::string& path, int64_t lines,
                      int64_t users, int64_t items) {
  TAILOR_ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(path));
  std::mt19937_64 rng(42);
  std::string buf = "user,item,value,timestamp\n";
  char num[24];
  auto put = [&](int64_t v) {
    auto r = std::to_chars(num, num + sizeof(num), v);
    buf.append(num, r.ptr);
  };
  std::uniform_real_distribution<double> unit(0, 1);
  for (int64_t i = 0; i < lines; ++i) {
    put(static_cast<int64_t>(rng() % users));
    buf.push_back(',');
    // Power-law popularity: item = items * u^3.
    const double u = unit(rng);
    put(static_cast<int64_t>(items * u * u * u));
    buf.push_back(',');
    put(static_cast<int64_t>(1 + rng() % 5));
    buf.push_back(',');
    put(1300000000 + static_cast<int64_t>(rng() % 100000000));
    buf.push_back('\n');
    if (buf.size() >= (1 << 22)) {
      TAILOR_RETURN_IF_ERROR(file->Append(buf));
      buf.clear();
    }
  }
  TAILOR_RETURN_IF_ERROR(file->Append(buf));
  return file->Close();
}

struct RunFigures {
  double wall = 0, cpu = 0;
  IngestPhases phases;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int Main() {
  FileSystem* fs = PosixFileSystem();
  const int64_t lines = absl::GetFlag(FLAGS_lines);
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  const std::string dir = JoinPath(
      absl::GetFlag(FLAGS_tmp_dir),
      absl::StrCat("tailor_ingest_bench_", absl::ToUnixNanos(absl::Now())));
  const std::string csv = absl::GetFlag(FLAGS_input_csv).empty()
                              ? JoinPath(dir, "interactions.csv")
                              : absl::GetFlag(FLAGS_input_csv);
  const std::string c = absl::StrCat(
      "csv_", lines, "_lines_4col_", absl::GetFlag(FLAGS_bench_users), "_users",
      absl::GetFlag(FLAGS_spool_memory_mb) < 1024
          ? absl::StrCat("_spool_", absl::GetFlag(FLAGS_spool_memory_mb), "mb")
          : "",
      absl::GetFlag(FLAGS_threads) > 1
          ? absl::StrCat("_threads_", absl::GetFlag(FLAGS_threads))
          : "");
  absl::Status s = fs->CreateDirs(dir);
  if (s.ok() && absl::GetFlag(FLAGS_input_csv).empty()) {
    s = Generate(fs, csv, lines, absl::GetFlag(FLAGS_bench_users),
                 absl::GetFlag(FLAGS_bench_items));
  }
  if (!s.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  Print(c, "input_bytes", static_cast<double>(fs->FileSize(csv).value_or(0)),
        "bytes");
  std::vector<RunFigures> figures;
  IngestResult last;
  for (int run = 0; run < runs; ++run) {
    IngestOptions o;
    o.fs = fs;
    o.output_dir = JoinPath(dir, absl::StrCat("dataset_", run));
    o.threads = absl::GetFlag(FLAGS_threads);
    o.batch_lines = static_cast<size_t>(absl::GetFlag(FLAGS_batch_lines));
    o.spool_memory_bytes =
        static_cast<size_t>(absl::GetFlag(FLAGS_spool_memory_mb)) << 20;
    InteractionSource src;
    src.path = csv;
    src.user_column = "user";
    src.item_column = "item";
    src.value_column = "value";
    src.timestamp_column = "timestamp";
    src.timestamp_format = TimestampFormat::kUnixSeconds;
    o.spec.interactions = {src};
    o.progress = [](const IngestProgress& p) {
      std::fprintf(stderr, "ingest_bench: %lld lines, %.0f lines/s\n",
                   static_cast<long long>(p.lines_read), p.lines_per_second);
    };
    const double cpu0 = CpuSeconds();
    absl::StatusOr<IngestResult> r = RunIngest(o);
    const double cpu = CpuSeconds() - cpu0;
    if (!r.ok()) {
      std::fprintf(stderr, "ingest_bench: %s\n", r.status().ToString().c_str());
      return 1;
    }
    figures.push_back({r->phases.wall, cpu, r->phases});
    std::fprintf(stderr,
                 "ingest_bench: run %d: %.2f CPU s, %.2f wall s, %.0f "
                 "lines/CPU-s\n",
                 run, cpu, r->phases.wall, r->manifest.lines_read / cpu);
    last = *std::move(r);
    fs->DeleteRecursively(o.output_dir).IgnoreError();
  }
  auto median = [&](auto get) {
    std::vector<double> v;
    for (const RunFigures& f : figures) v.push_back(get(f));
    return Median(v);
  };
  const double n = static_cast<double>(last.manifest.lines_read);
  Print(c, "runs", runs, "runs");
  Print(c, "lines", n, "lines");
  Print(c, "users", static_cast<double>(last.manifest.users), "ids");
  Print(c, "items", static_cast<double>(last.manifest.items), "ids");
  Print(c, "partitions", static_cast<double>(last.manifest.user_major.size()),
        "user-major blocks");
  Print(c, "seconds", median([](const RunFigures& f) { return f.wall; }), "s");
  Print(c, "cpu_seconds", median([](const RunFigures& f) { return f.cpu; }),
        "s");
  Print(c, "lines_per_second",
        median([&](const RunFigures& f) { return n / f.wall; }), "lines/s");
  // Lines per process CPU second (all threads) is lines per second per core,
  // independent of other load on the machine.
  Print(c, "lines_per_cpu_second",
        median([&](const RunFigures& f) { return n / f.cpu; }), "lines/s/core");
  Print(c, "input_pass_lines_per_cpu_second", median([&](const RunFigures& f) {
          const IngestPhases& p = f.phases;
          return n / (p.read + p.parse + p.hash + p.intern + p.spool);
        }),
        "lines/s/core");
  Print(c, "finish_entries_per_cpu_second",
        median([&](const RunFigures& f) { return n / f.phases.finish; }),
        "entries/s/core");
  using Get = double (*)(const IngestPhases&);
  const std::pair<const char*, Get> shares[] = {
      {"read", [](const IngestPhases& p) { return p.read; }},
      {"parse", [](const IngestPhases& p) { return p.parse; }},
      {"hash", [](const IngestPhases& p) { return p.hash; }},
      {"intern", [](const IngestPhases& p) { return p.intern; }},
      {"spool", [](const IngestPhases& p) { return p.spool; }},
      {"finish", [](const IngestPhases& p) { return p.finish; }},
      {"finish_sort", [](const IngestPhases& p) { return p.finish_sort; }},
      {"finish_route", [](const IngestPhases& p) { return p.finish_route; }},
      {"finish_build", [](const IngestPhases& p) { return p.finish_build; }},
      {"finish_write", [](const IngestPhases& p) { return p.finish_write; }},
      {"writing",
       [](const IngestPhases& p) { return p.spool + p.finish_write; }},
  };
  for (const auto& [name, get] : shares) {
    Print(c, absl::StrCat("cpu_share_", name), median([&](const RunFigures& f) {
            return get(f.phases) / f.phases.total;
          }),
          "fraction");
  }
  if (!absl::GetFlag(FLAGS_keep)) fs->DeleteRecursively(dir).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Main();
}
