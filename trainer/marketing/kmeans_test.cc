#include "trainer/marketing/kmeans.h"

#include <omp.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// n points around `centers` (k x dim) with Gaussian noise `sigma`.
std::vector<float> Blobs(const std::vector<float>& centers, int dim, int64_t n,
                         float sigma, uint64_t seed,
                         std::vector<int>* truth = nullptr) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, sigma);
  const int k = static_cast<int>(centers.size()) / dim;
  std::vector<float> x(n * dim);
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % k);
    if (truth != nullptr) truth->push_back(c);
    for (int j = 0; j < dim; ++j)
      x[i * dim + j] = centers[c * dim + j] + noise(rng);
  }
  return x;
}

TEST(KMeansTest, RecoversSeparatedBlobs) {
  const int dim = 3;
  const std::vector<float> centers = {0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10};
  std::vector<int> truth;
  const auto x = Blobs(centers, dim, 4000, 0.5f, 7, &truth);
  KMeansOptions options;
  options.k = 4;
  auto r = RunKMeans(x, dim, options);
  ASSERT_TRUE(r.ok()) << r.status();
  // Same partition as the truth, up to renaming.
  std::vector<int> map(4, -1);
  for (size_t i = 0; i < truth.size(); ++i) {
    if (map[truth[i]] < 0) map[truth[i]] = r->labels[i];
    ASSERT_EQ(map[truth[i]], r->labels[i]) << "point " << i;
  }
}

TEST(KMeansTest, ResultIsALloydFixedPoint) {
  const int dim = 5;
  std::vector<float> centers(6 * dim);
  std::mt19937_64 rng(3);
  for (float& c : centers)
    c = std::uniform_real_distribution<float>(-3, 3)(rng);
  const auto x = Blobs(centers, dim, 3000, 1.5f, 11);
  KMeansOptions options;
  options.k = 6;
  options.tolerance = 0;  // run to strict convergence
  auto r = RunKMeans(x, dim, options);
  ASSERT_TRUE(r.ok()) << r.status();
  // Every label is the nearest centroid, every centroid the mean of its
  // points, and the inertia is the exact sum (oracle: plain loops).
  std::vector<double> sum(6 * dim, 0);
  std::vector<int> count(6, 0);
  double inertia = 0;
  for (int64_t i = 0; i < 3000; ++i) {
    int best = -1;
    double best_d = std::numeric_limits<double>::infinity();
    for (int c = 0; c < 6; ++c) {
      double d = 0;
      for (int j = 0; j < dim; ++j) {
        const double diff = x[i * dim + j] - r->centroids[c * dim + j];
        d += diff * diff;
      }
      if (d < best_d) best_d = d, best = c;
    }
    EXPECT_EQ(r->labels[i], best) << "point " << i;
    inertia += best_d;
    ++count[best];
    for (int j = 0; j < dim; ++j) sum[best * dim + j] += x[i * dim + j];
  }
  EXPECT_NEAR(r->inertia, inertia, 1e-4 * inertia);
  for (int c = 0; c < 6; ++c) {
    ASSERT_GT(count[c], 0);
    for (int j = 0; j < dim; ++j) {
      EXPECT_NEAR(r->centroids[c * dim + j], sum[c * dim + j] / count[c], 1e-4);
    }
  }
  // The bounds skipped most distance evaluations.
  EXPECT_LT(r->distance_evaluations,
            int64_t{3000} * 6 * (r->iterations + 1) * options.restarts);
}

TEST(KMeansTest, FindsTheOptimumOfATinyProblem) {
  // 1-D: {0, 1, 2} and {10, 11, 30}: the best 2-partition, by enumeration.
  const std::vector<float> x = {0, 1, 2, 10, 11, 30};
  double best = std::numeric_limits<double>::infinity();
  for (int mask = 1; mask < 63; ++mask) {
    double total = 0;
    for (int side = 0; side < 2; ++side) {
      double s = 0, s2 = 0;
      int c = 0;
      for (int i = 0; i < 6; ++i) {
        if (((mask >> i) & 1) == side) s += x[i], s2 += x[i] * x[i], ++c;
      }
      total += s2 - s * s / c;
    }
    best = std::min(best, total);
  }
  KMeansOptions options;
  options.k = 2;
  options.restarts = 8;
  auto r = RunKMeans(x, 1, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->inertia, best, 1e-4);
}

TEST(KMeansTest, DeterministicForASeedAndAnyThreadCount) {
  std::vector<float> centers(8 * 4);
  for (size_t i = 0; i < centers.size(); ++i) centers[i] = (i * 7 % 11) - 5.0f;
  const auto x = Blobs(centers, 4, 20000, 2.0f, 5);
  KMeansOptions options;
  options.k = 8;
  options.seed = 99;
  omp_set_num_threads(1);
  auto one = RunKMeans(x, 4, options);
  omp_set_num_threads(3);
  auto three = RunKMeans(x, 4, options);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(one->labels, three->labels);
  EXPECT_EQ(one->centroids, three->centroids);
  EXPECT_EQ(one->inertia, three->inertia);
  options.seed = 100;
  auto other = RunKMeans(x, 4, options);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->restart_inertia, one->restart_inertia);
}

TEST(KMeansTest, BadInputIsRefusedWithAMessage) {
  const std::vector<float> x = {0, 1, 2, 3};
  KMeansOptions options;
  options.k = 5;
  auto too_many = RunKMeans(x, 1, options);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(
      too_many.status().message().find("larger than the number of points"),
      std::string::npos);
  options.k = 2;
  EXPECT_FALSE(RunKMeans(x, 3, options).ok());  // 4 values, dim 3
  const std::vector<float> nan = {0, NAN};
  EXPECT_FALSE(RunKMeans(nan, 1, options).ok());
}

}  // namespace
}  // namespace tailor
