// Prints the machine's measured peaks as benchmark JSON lines:
//   machine_bench [--threads=N] [--seconds=S]
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/bench/machine/machine_peaks.h"

ABSL_FLAG(int, threads, 0, "threads for the all-thread figures (0: all)");
ABSL_FLAG(double, seconds, 1.0, "seconds per measurement");

// absl's --help exits with status 1; Tailor binaries exit 0.
constexpr char kHelp[] =
    "machine_bench: peak fp32 FMA GFLOP/s (AVX2+FMA; 1 thread and all\n"
    "threads) and memory bandwidth (streaming read, triad); one JSON line per\n"
    "figure.\n\n"
    "  --threads=0    threads for the all-thread figures (0: all)\n"
    "  --seconds=1    seconds per measurement\n";

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::fputs(kHelp, stdout);
      return 0;
    }
  }
  absl::SetProgramUsageMessage(
      "Measures peak fp32 FMA GFLOP/s (1 thread, all threads) and memory "
      "bandwidth (streaming read, triad); one JSON line per figure.");
  absl::ParseCommandLine(argc, argv);
  const tailor::MachinePeaks peaks = tailor::MeasureMachinePeaks(
      absl::GetFlag(FLAGS_threads), absl::GetFlag(FLAGS_seconds));
  std::fputs(tailor::MachinePeaksJsonLines(peaks).c_str(), stdout);
  return 0;
}
