// Times item-item top-K similarity on synthetic ML-20M-shaped data: users
// with log-normal activity, items drawn from a Zipf-like popularity law.
// Usage: similarity_scale_check [users items interactions [max_neighbors]]
// Prints one JSON line per measurement.

#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/csr_matrix.h"
#include "trainer/knn/similarity.h"

namespace {

// CPU seconds used by the process so far (all threads).
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t users = argc > 1 ? std::atoll(argv[1]) : 136677;
  const int64_t items = argc > 2 ? std::atoll(argv[2]) : 20108;
  const int64_t target = argc > 3 ? std::atoll(argv[3]) : 9940000;
  const int max_neighbors = argc > 4 ? std::atoi(argv[4]) : 100;
  std::mt19937_64 rng(1);
  // Item popularity ~ 1 / (rank + 10)^0.9, sampled through the CDF.
  std::vector<double> cdf(items);
  double total = 0;
  for (int64_t i = 0; i < items; ++i) {
    total += 1.0 / std::pow(i + 10.0, 0.9);
    cdf[i] = total;
  }
  std::lognormal_distribution<double> activity(0.0, 1.0);
  std::vector<double> weight(users);
  double weight_sum = 0;
  for (auto& w : weight) weight_sum += (w = activity(rng));
  std::uniform_real_distribution<double> uniform(0.0, total);
  std::vector<uint32_t> rows, cols;
  std::vector<float> values;
  for (int64_t u = 0; u < users; ++u) {
    const int64_t n = std::max<int64_t>(
        1, std::min<int64_t>(items / 2,
                             std::llround(target * weight[u] / weight_sum)));
    for (int64_t t = 0; t < n; ++t) {
      const int64_t i =
          std::lower_bound(cdf.begin(), cdf.end(), uniform(rng)) - cdf.begin();
      rows.push_back(static_cast<uint32_t>(u));
      cols.push_back(static_cast<uint32_t>(std::min(i, items - 1)));
      values.push_back(static_cast<float>(1 + rng() % 5));
    }
  }
  tailor::CsrMatrix by_user = tailor::CsrFromTriples(
      users, items, rows, cols, values, tailor::DuplicatePolicy::kMax);
  const tailor::CsrMatrix by_item = tailor::Transpose(by_user);
  double pairs = 0;
  for (int64_t u = 0; u < users; ++u) {
    pairs += static_cast<double>(by_user.RowSize(u)) * by_user.RowSize(u);
  }
  std::printf(
      "{\"bench\": \"knn_similarity\", \"case\": \"data\", \"users\": %lld, "
      "\"items\": %lld, \"nnz\": %lld, \"pair_updates\": %.0f, \"threads\": "
      "%d}\n",
      static_cast<long long>(users), static_cast<long long>(items),
      static_cast<long long>(by_user.nnz()), pairs, omp_get_max_threads());
  for (auto metric : {tailor::SimilarityMetric::kCosine,
                      tailor::SimilarityMetric::kPearson}) {
    tailor::SimilarityOptions options;
    options.metric = metric;
    options.max_neighbors = max_neighbors;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = CpuSeconds();
    auto table = tailor::ComputeNeighbors(by_item, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    const double cpu_seconds = CpuSeconds() - cpu_start;
    if (!table.ok()) {
      std::fprintf(stderr, "%s\n", table.status().ToString().c_str());
      return 1;
    }
    std::printf(
        "{\"bench\": \"knn_similarity\", \"case\": \"item_item_%s_top%d\", "
        "\"metric\": \"seconds\", \"value\": %.3f, \"unit\": \"s\", "
        "\"cpu_seconds\": %.3f, \"pair_updates_per_cpu_s\": %.3g, \"kept\": "
        "%zu}\n",
        tailor::SimilarityMetricName(metric), max_neighbors, seconds,
        cpu_seconds, pairs / cpu_seconds, table->neighbors.size());
  }
  return 0;
}
