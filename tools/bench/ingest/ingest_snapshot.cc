// Ingests one input and keeps the dataset, so that datasets written by two
// versions of the ingest code can be compared file by file (the performance
// work on ingest must not change a byte of the output). Either a preset
// (--preset, --input) or a CSV in the benchmark's layout
// `user,item,value,timestamp` (--csv). Prints the manifest's counts.
//
//   ingest_snapshot --preset=movielens100k --input=DIR --output=DIR
//   ingest_snapshot --csv=FILE --output=DIR [--threads=N]

#include <sys/prctl.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "core/file_system.h"
#include "tools/ingest/ingest.h"
#include "tools/ingest/presets.h"

ABSL_FLAG(std::string, preset, "", "Preset name (with --input).");
ABSL_FLAG(std::string, input, "", "Input of the preset.");
ABSL_FLAG(std::string, csv, "",
          "A CSV user,item,value,timestamp (as ingest_bench writes).");
ABSL_FLAG(int, threads, 1, "IngestOptions::threads.");
ABSL_FLAG(bool, no_huge_pages, false,
          "Disable transparent huge pages for this process (an A/B switch).");
ABSL_FLAG(std::string, output, "", "Dataset directory to write (replaced).");

namespace tailor {
namespace {

int Main() {
  if (absl::GetFlag(FLAGS_no_huge_pages)) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  FileSystem* fs = PosixFileSystem();
  IngestOptions o;
  o.fs = fs;
  o.output_dir = absl::GetFlag(FLAGS_output);
  o.overwrite = true;
  o.threads = absl::GetFlag(FLAGS_threads);
  if (!absl::GetFlag(FLAGS_preset).empty()) {
    absl::StatusOr<IngestSpec> spec =
        PresetSpec(fs, absl::GetFlag(FLAGS_preset), absl::GetFlag(FLAGS_input));
    if (!spec.ok()) {
      std::fprintf(stderr, "ingest_snapshot: %s\n",
                   spec.status().ToString().c_str());
      return 2;
    }
    o.spec = *spec;
  } else {
    InteractionSource src;
    src.path = absl::GetFlag(FLAGS_csv);
    src.user_column = "user";
    src.item_column = "item";
    src.value_column = "value";
    src.timestamp_column = "timestamp";
    src.timestamp_format = TimestampFormat::kUnixSeconds;
    o.spec.interactions = {src};
  }
  absl::StatusOr<IngestResult> r = RunIngest(o);
  if (!r.ok()) {
    std::fprintf(stderr, "ingest_snapshot: %s\n",
                 r.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "lines_read=%lld accepted=%lld users=%lld items=%lld cpu_s=%.3f\n",
      static_cast<long long>(r->manifest.lines_read),
      static_cast<long long>(r->manifest.accepted),
      static_cast<long long>(r->manifest.users),
      static_cast<long long>(r->manifest.items), r->phases.total);
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Main();
}
