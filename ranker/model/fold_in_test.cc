// Fold-in against an exact oracle: the solution zeroes the gradient of the
// implicit-ALS user objective computed directly in double.
#include "ranker/model/fold_in.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

// Gradient of sum_S c (1 - x.y)^2 + g * sum_{others or all} (x.y)^2 +
// lambda |x|^2 at x.
std::vector<double> Gradient(const FoldInOptions& o,
                             const std::vector<float>& items, int64_t rows,
                             int dim, const std::vector<int64_t>& obs,
                             const std::vector<float>& values,
                             const std::vector<float>& x) {
  std::vector<double> grad(dim, 0.0);
  for (int k = 0; k < dim; ++k) grad[k] = 2.0 * o.regularization * x[k];
  for (int64_t i = 0; i < rows; ++i) {
    double dot = 0;
    for (int k = 0; k < dim; ++k) dot += double(x[k]) * items[i * dim + k];
    int64_t j = -1;
    for (size_t t = 0; t < obs.size(); ++t) {
      if (obs[t] == i) j = static_cast<int64_t>(t);
    }
    double coef = 0;
    if (o.alpha0 > 0) coef += 2.0 * o.alpha0 * dot;
    if (j >= 0) {
      const double c = 1.0 + o.alpha * values[j];
      coef += -2.0 * c * (1.0 - dot);
    } else if (o.alpha0 == 0) {
      coef += 2.0 * dot;
    }
    for (int k = 0; k < dim; ++k) grad[k] += coef * items[i * dim + k];
  }
  return grad;
}

void CheckAgainstOracle(const FoldInOptions& o) {
  const int64_t rows = 40;
  const int dim = 6;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> items(rows * dim);
  for (float& v : items) v = normal(rng);
  auto solver = FoldInSolver::Create(o, items.data(), rows, dim);
  ASSERT_TRUE(solver.ok()) << solver.status();
  const std::vector<int64_t> obs = {3, 17, 25, 39};
  const std::vector<float> values = {1.0f, 5.0f, 2.0f, 0.5f};
  auto x = (*solver)->Solve(obs, values);
  ASSERT_TRUE(x.ok()) << x.status();
  const std::vector<double> g = Gradient(o, items, rows, dim, obs, values, *x);
  for (int k = 0; k < dim; ++k) EXPECT_NEAR(g[k], 0.0, 1e-4) << k;
  double norm = 0;
  for (float v : *x) norm += v * v;
  EXPECT_GT(norm, 1e-3);
}

TEST(FoldInTest, ClassicObjectiveHasZeroGradientAtTheSolution) {
  FoldInOptions o;
  o.regularization = 0.1f;
  o.alpha = 2.0f;
  CheckAgainstOracle(o);
}

TEST(FoldInTest, RevisitedObjectiveHasZeroGradientAtTheSolution) {
  FoldInOptions o;
  o.regularization = 0.05f;
  o.alpha = 1.0f;
  o.alpha0 = 0.3f;
  CheckAgainstOracle(o);
}

TEST(FoldInTest, NoInteractionsGiveZeroFactorsAndBadInputIsRefused) {
  std::vector<float> items = {1, 0, 0, 1};
  auto solver = FoldInSolver::Create({}, items.data(), 2, 2);
  ASSERT_TRUE(solver.ok());
  auto x = (*solver)->Solve({}, {});
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(*x, (std::vector<float>{0, 0}));
  const std::vector<int64_t> bad_row = {2};
  const std::vector<float> one = {1};
  EXPECT_EQ((*solver)->Solve(bad_row, one).status().code(),
            absl::StatusCode::kInvalidArgument);
  FoldInOptions negative;
  negative.regularization = -1;
  EXPECT_EQ(FoldInSolver::Create(negative, items.data(), 2, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor::ranker
