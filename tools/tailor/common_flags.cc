#include "tools/tailor/common_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(bool, json, false,
          "Print the result as one JSON object on the last line of stdout.");
ABSL_FLAG(std::string, dataset, "", "Dataset directory (written by ingest).");
ABSL_FLAG(std::string, input, "", "Input file or directory.");
ABSL_FLAG(std::string, output, "", "Output directory.");
ABSL_FLAG(uint64_t, seed, 1, "Random seed; equal seeds give equal results.");
ABSL_FLAG(int32_t, threads, 0, "Worker threads; 0 means all cores.");
ABSL_FLAG(std::string, algorithm, "",
          "ials|als|biased_mf|pmf|nmf|bpr|logistic|item_knn|user_knn|"
          "popularity");
ABSL_FLAG(std::string, preset, "", "Named preset of the subcommand.");
