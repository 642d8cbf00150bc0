// Prints the ranker's quality table (tests/ranker_quality/quality.h) for a
// dataset with timestamps; the defaults are the temporal split of
// UCI Online Retail (train before 2011-11-01, blend learned on October
// 2011):
//
//   tailor ingest --preset=online_retail --input=../shared/data/online-retail \
//       --output=/tmp/retail
//   quality_table --dataset=/tmp/retail [--json]

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "tests/ranker_quality/quality.h"

ABSL_FLAG(std::string, dataset, "",
          "An ingested dataset directory with timestamps (required).");
ABSL_FLAG(std::string, cutoff, "2011-11-01", "Test events at or after (UTC).");
ABSL_FLAG(std::string, validation_start, "2011-10-01",
          "Blend weights are learned on [this, cutoff) (UTC).");
ABSL_FLAG(int32_t, factors, 32, "iALS factors.");
ABSL_FLAG(int32_t, iterations, 10, "iALS epochs.");
ABSL_FLAG(int32_t, threads, 0, "Threads (0 = all).");
ABSL_FLAG(bool, json, false, "Print one JSON object as the last line.");

namespace tailor::ranker {
namespace {

absl::StatusOr<int64_t> ParseDay(const std::string& flag,
                                 const std::string& value) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", value, " is not YYYY-MM-DD: ", err));
  }
  return absl::ToUnixSeconds(t);
}

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (dataset.empty()) return absl::InvalidArgumentError("give --dataset");
  QualityOptions o;
  TAILOR_ASSIGN_OR_RETURN(o.cutoff_unix_s,
                          ParseDay("cutoff", absl::GetFlag(FLAGS_cutoff)));
  TAILOR_ASSIGN_OR_RETURN(
      o.validation_start_unix_s,
      ParseDay("validation_start", absl::GetFlag(FLAGS_validation_start)));
  o.factors = absl::GetFlag(FLAGS_factors);
  o.iterations = absl::GetFlag(FLAGS_iterations);
  o.threads = absl::GetFlag(FLAGS_threads);
  TAILOR_ASSIGN_OR_RETURN(QualityData data, LoadQualityData(fs, dataset));
  TAILOR_ASSIGN_OR_RETURN(QualityReport report, RunQuality(data, o));
  std::printf("%s", FormatQualityTable(report).c_str());
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", QualityToJson(report).dump().c_str());
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace tailor::ranker

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Prints the hybrid ranker's quality table on a temporal split.");
  absl::ParseCommandLine(argc, argv);
  const absl::Status s = tailor::ranker::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "quality_table: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
