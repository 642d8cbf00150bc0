// Ingest throughput: writes a synthetic CSV `user,item,value,timestamp` of
// --lines lines (fixed seed; power-law item popularity) into a temporary
// directory, ingests it with the generic column mapping and prints one JSON
// object per measurement:
//   {"bench":"ingest","case":...,"metric":...,"value":...,"unit":...}
// Phases (read, parse, hash, intern, spool, finish) are reported as shares
// of the ingesting thread's CPU time. lines_per_cpu_second divides by the
// process CPU time: the per-core figure, meaningful on a shared machine.

#include <time.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

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

int Main() {
  FileSystem* fs = PosixFileSystem();
  const int64_t lines = absl::GetFlag(FLAGS_lines);
  const std::string dir = JoinPath(
      absl::GetFlag(FLAGS_tmp_dir),
      absl::StrCat("tailor_ingest_bench_", absl::ToUnixNanos(absl::Now())));
  const std::string csv = JoinPath(dir, "interactions.csv");
  const std::string out = JoinPath(dir, "dataset");
  const std::string c = absl::StrCat("csv_", lines, "_lines_4col");
  absl::Status s = fs->CreateDirs(dir);
  if (s.ok()) {
    s = Generate(fs, csv, lines, absl::GetFlag(FLAGS_bench_users),
                 absl::GetFlag(FLAGS_bench_items));
  }
  if (!s.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  Print(c, "input_bytes", static_cast<double>(fs->FileSize(csv).value_or(0)),
        "bytes");
  IngestOptions o;
  o.fs = fs;
  o.output_dir = out;
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
  const IngestPhases& p = r->phases;
  Print(c, "lines", static_cast<double>(r->manifest.lines_read), "lines");
  Print(c, "users", static_cast<double>(r->manifest.users), "ids");
  Print(c, "items", static_cast<double>(r->manifest.items), "ids");
  Print(c, "partitions", static_cast<double>(r->manifest.user_major.size()),
        "user-major blocks");
  Print(c, "seconds", p.wall, "s");
  Print(c, "cpu_seconds", cpu, "s");
  Print(c, "lines_per_second", r->manifest.lines_read / p.wall, "lines/s");
  // Ingest is single-threaded, so lines per CPU second is lines per second
  // per core, independent of other load on the machine.
  Print(c, "lines_per_cpu_second", r->manifest.lines_read / cpu,
        "lines/s/core");
  const double input_pass = p.read + p.parse + p.hash + p.intern + p.spool;
  Print(c, "input_pass_lines_per_cpu_second",
        r->manifest.lines_read / input_pass, "lines/s/core");
  Print(c, "finish_entries_per_cpu_second", r->manifest.interactions / p.finish,
        "entries/s/core");
  for (const auto& [name, v] :
       {std::make_pair("read", p.read), std::make_pair("parse", p.parse),
        std::make_pair("hash", p.hash), std::make_pair("intern", p.intern),
        std::make_pair("spool", p.spool), std::make_pair("finish", p.finish)}) {
    Print(c, absl::StrCat("cpu_share_", name), v / p.total, "fraction");
  }
  Print(c, "cpu_share_writing", (p.spool + p.finish) / p.total, "fraction");
  if (!absl::GetFlag(FLAGS_keep)) fs->DeleteRecursively(dir).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Main();
}
