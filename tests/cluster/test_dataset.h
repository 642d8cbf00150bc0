#ifndef TAILOR_TESTS_CLUSTER_TEST_DATASET_H_
#define TAILOR_TESTS_CLUSTER_TEST_DATASET_H_

// A small dataset with planted structure for the multi-process tests: users
// and items fall into clusters, and each user interacts mostly with items of
// its own cluster (value 5) and sometimes with others (value 1 or 2), so a
// factor model learns something measurable in a few iterations.
// Deterministic for a seed.

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tailor {

struct TestDatasetOptions {
  int users = 600;
  int items = 200;
  int clusters = 6;
  int interactions_per_user = 24;
  double in_cluster_share = 0.85;
  uint64_t seed = 7;
};

// Writes a dataset directory (tailor ingest's format) to `dir`, which must
// not exist yet.
absl::Status WriteTestDataset(const std::string& dir,
                              const TestDatasetOptions& options);

}  // namespace tailor

#endif  // TAILOR_TESTS_CLUSTER_TEST_DATASET_H_
