#include "trainer/als/explicit_als.h"

#include <cmath>
#include <vector>

#include "Eigen/Dense"
#include "gtest/gtest.h"
#include "trainer/als/test_data.h"

namespace tailor {
namespace {

using als_testing::RandomCsr;

// Dense reference of one half-step: for every row, the exact minimizer in
// double of sum_obs (r - mu - b_other - [x, b].[y, 1])^2 + reg.
void ExpectHalfStepMatchesDense(const ExplicitAlsOptions& o, const CsrMatrix& m,
                                float mean, const FactorMatrix& other,
                                const std::vector<float>& other_bias,
                                const FactorMatrix& solved,
                                const std::vector<float>& solved_bias) {
  const int k = o.factors, d = k + (o.use_biases ? 1 : 0);
  for (int64_t u = 0; u < m.rows; ++u) {
    const int64_t n = m.RowSize(u);
    Eigen::MatrixXd a = Eigen::MatrixXd::Zero(d, d);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(d);
    for (int64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
      const uint32_t i = m.indices[e];
      Eigen::VectorXd y(d);
      for (int c = 0; c < k; ++c) y(c) = other.at(i, c);
      if (o.use_biases) y(k) = 1;
      a += y * y.transpose();
      b += (m.data[e] - mean - other_bias[i]) * y;
    }
    const double s = o.scale_reg_by_frequency ? std::pow(n, o.reg_exponent) : 1;
    for (int c = 0; c < k; ++c) a(c, c) += s * o.regularization;
    if (o.use_biases) a(k, k) += s * o.bias_regularization;
    const Eigen::VectorXd x =
        n == 0 ? Eigen::VectorXd::Zero(d) : Eigen::VectorXd(a.ldlt().solve(b));
    for (int c = 0; c < k; ++c) {
      EXPECT_NEAR(solved.at(u, c), x(c), 1e-4 * (1 + std::abs(x(c))))
          << "row " << u << " col " << c;
    }
    if (o.use_biases) {
      EXPECT_NEAR(solved_bias[u], x(k), 1e-4 * (1 + std::abs(x(k))));
    }
  }
}

CsrMatrix Transposed(const CsrMatrix& m) { return Transpose(m); }

void CheckBothHalfSteps(const ExplicitAlsOptions& o) {
  const CsrMatrix m = RandomCsr(17, 12, 0.35, 5, 3, {5});
  auto t = ExplicitAlsTrainer::Create(o, m);
  ASSERT_TRUE(t.ok()) << t.status();
  ExplicitAlsTrainer& trainer = **t;
  const FactorMatrix items0 = trainer.ItemFactors();
  const std::vector<float> item_bias0 = trainer.ItemBiases();
  ASSERT_TRUE(trainer.SolveUsers().ok());
  ExpectHalfStepMatchesDense(o, m, trainer.global_mean(), items0, item_bias0,
                             trainer.UserFactors(), trainer.UserBiases());
  const FactorMatrix users1 = trainer.UserFactors();
  const std::vector<float> user_bias1 = trainer.UserBiases();
  ASSERT_TRUE(trainer.SolveItems().ok());
  ExpectHalfStepMatchesDense(o, Transposed(m), trainer.global_mean(), users1,
                             user_bias1, trainer.ItemFactors(),
                             trainer.ItemBiases());
  const FactorMatrix users = trainer.UserFactors();
  for (float v : users.Row(5)) EXPECT_EQ(v, 0.0f);
}

TEST(ExplicitAlsTest, BiasedHalfStepsMatchDenseReference) {
  ExplicitAlsOptions o;
  o.factors = 5;
  o.regularization = 0.2f;
  o.bias_regularization = 0.5f;
  CheckBothHalfSteps(o);
}

TEST(ExplicitAlsTest, SparkObjectiveHalfStepsMatchDenseReference) {
  ExplicitAlsOptions o;  // Spark MLlib: no biases, lambda * n_u
  o.factors = 8;
  o.use_biases = false;
  o.scale_reg_by_frequency = true;
  o.regularization = 0.05f;
  CheckBothHalfSteps(o);
}

TEST(ExplicitAlsTest, LossDecreasesEveryEpochAndFitsTheRatings) {
  const CsrMatrix m = RandomCsr(80, 50, 0.2, 5, 9);
  for (auto solver : {ExplicitAlsOptions::Solver::kCholesky,
                      ExplicitAlsOptions::Solver::kConjugateGradient}) {
    for (bool biases : {true, false}) {
      ExplicitAlsOptions o;
      o.factors = 6;
      o.solver = solver;
      o.use_biases = biases;
      o.threads = 2;
      auto t = ExplicitAlsTrainer::Create(o, m);
      ASSERT_TRUE(t.ok());
      double before = (*t)->Loss();
      for (int epoch = 0; epoch < 8; ++epoch) {
        ASSERT_TRUE((*t)->RunEpoch().ok());
        const double after = (*t)->Loss();
        EXPECT_LT(after, before) << "epoch " << epoch << " biases " << biases;
        before = after;
      }
      double sq = 0;  // training RMSE well below the rating spread
      for (int64_t u = 0; u < m.rows; ++u) {
        for (int64_t e = m.indptr[u]; e < m.indptr[u + 1]; ++e) {
          const double d = m.data[e] - (*t)->Predict(u, m.indices[e]);
          sq += d * d;
        }
      }
      EXPECT_LT(std::sqrt(sq / m.nnz()), 0.8);
    }
  }
}

TEST(ExplicitAlsTest, RejectsBadInput) {
  const CsrMatrix m = RandomCsr(6, 5, 0.5, 5, 1);
  ExplicitAlsOptions o;
  o.factors = 0;
  EXPECT_FALSE(ExplicitAlsTrainer::Create(o, m).ok());
  o = ExplicitAlsOptions();
  o.regularization = -1;
  EXPECT_FALSE(ExplicitAlsTrainer::Create(o, m).ok());
  o = ExplicitAlsOptions();
  o.bias_regularization = -1;
  EXPECT_FALSE(ExplicitAlsTrainer::Create(o, m).ok());
  EXPECT_FALSE(
      ExplicitAlsTrainer::Create(ExplicitAlsOptions(), CsrMatrix()).ok());
  CsrMatrix nan = m;
  nan.data[0] = std::nanf("");
  const absl::Status s =
      ExplicitAlsTrainer::Create(ExplicitAlsOptions(), nan).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor
