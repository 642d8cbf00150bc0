#include "trainer/als/implicit_als.h"

#include <cmath>
#include <vector>

#include "Eigen/Dense"
#include "gtest/gtest.h"
#include "trainer/als/test_data.h"

namespace tailor {
namespace {

using als_testing::RandomCsr;

float Conf(const IalsOptions& o, float r) {
  return o.confidence == IalsOptions::Confidence::kLinear
             ? 1 + o.alpha * r
             : 1 + o.alpha * std::log1p(r / o.log_epsilon);
}

// Entry (u, i) of the full dense problem: weight on (x.y)^2 and the linear
// coefficient, written from the loss of docs/algorithms/als.md without the
// Gram trick.
struct DenseEntry {
  double quad, lin, constant;
};
DenseEntry Entry(const IalsOptions& o, bool observed, float r) {
  const double unobserved = o.alpha0 > 0 ? o.alpha0 : 1.0;
  if (!observed) return {unobserved, 0, 0};
  const double c = Conf(o, r), p = r > 0 ? 1 : 0;
  // classic: c (p - s)^2; revisited: c (p - s)^2 + alpha0 s^2.
  return {c + (o.alpha0 > 0 ? o.alpha0 : 0.0), c * p, c * p * p};
}

double RegScale(const IalsOptions& o, int64_t nnz, int64_t other) {
  return o.scale_reg_by_frequency
             ? std::pow(nnz + o.alpha0 * double(other), o.reg_exponent)
             : 1.0;
}

Eigen::MatrixXd Dense(const CsrMatrix& m, std::vector<std::vector<bool>>* obs) {
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(m.rows, m.cols);
  obs->assign(m.rows, std::vector<bool>(m.cols, false));
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      d(r, m.indices[e]) = m.data[e];
      (*obs)[r][m.indices[e]] = true;
    }
  }
  return d;
}

// The exact minimizer over each row's factors of the full weighted least
// squares (every one of rows x cols entries), solved densely in double.
Eigen::MatrixXd OracleSolve(const IalsOptions& o, const CsrMatrix& m,
                            const FactorMatrix& fixed) {
  std::vector<std::vector<bool>> obs;
  const Eigen::MatrixXd r = Dense(m, &obs);
  const int k = o.factors;
  Eigen::MatrixXd out(m.rows, k);
  for (int64_t u = 0; u < m.rows; ++u) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(k, k) * o.regularization *
                        RegScale(o, m.RowSize(u), m.cols);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
    for (int64_t i = 0; i < m.cols; ++i) {
      Eigen::VectorXd y(k);
      for (int c = 0; c < k; ++c) y(c) = fixed.at(i, c);
      const DenseEntry e = Entry(o, obs[u][i], r(u, i));
      a += e.quad * y * y.transpose();
      b += e.lin * y;
    }
    out.row(u) = m.RowSize(u) == 0 ? Eigen::VectorXd::Zero(k)
                                   : Eigen::VectorXd(a.ldlt().solve(b));
  }
  return out;
}

double OracleLoss(const IalsOptions& o, const CsrMatrix& m,
                  const FactorMatrix& users, const FactorMatrix& items) {
  std::vector<std::vector<bool>> obs;
  const Eigen::MatrixXd r = Dense(m, &obs);
  double loss = 0;
  std::vector<int64_t> item_count(m.cols, 0);
  for (uint32_t c : m.indices) ++item_count[c];
  for (int64_t u = 0; u < m.rows; ++u) {
    for (int64_t i = 0; i < m.cols; ++i) {
      double s = 0;
      for (int c = 0; c < o.factors; ++c) s += users.at(u, c) * items.at(i, c);
      const DenseEntry e = Entry(o, obs[u][i], r(u, i));
      loss += e.quad * s * s - 2 * e.lin * s + e.constant;
    }
  }
  for (int64_t u = 0; u < m.rows; ++u) {
    double sq = 0;
    for (float v : users.Row(u)) sq += v * v;
    loss += o.regularization * RegScale(o, m.RowSize(u), m.cols) * sq;
  }
  for (int64_t i = 0; i < m.cols; ++i) {
    double sq = 0;
    for (float v : items.Row(i)) sq += v * v;
    loss += o.regularization * RegScale(o, item_count[i], m.rows) * sq;
  }
  return loss;
}

struct Variant {
  const char* name;
  IalsOptions options;
};

std::vector<Variant> Variants() {
  std::vector<Variant> v;
  IalsOptions base;
  base.factors = 11;  // not a multiple of 8: exercises the padding
  base.regularization = 0.3f;
  base.alpha = 2.0f;
  v.push_back({"classic", base});
  IalsOptions log = base;
  log.confidence = IalsOptions::Confidence::kLog;
  log.log_epsilon = 0.5f;
  log.factors = 8;
  v.push_back({"log", log});
  IalsOptions freq = base;
  freq.scale_reg_by_frequency = true;
  freq.reg_exponent = 0.5f;
  freq.factors = 16;
  v.push_back({"frequency", freq});
  IalsOptions revisited = base;
  revisited.alpha0 = 0.2f;
  revisited.alpha = 0.0f;  // Rendle et al.: weight 1 on observed
  revisited.scale_reg_by_frequency = true;
  revisited.reg_exponent = 1.0f;
  revisited.regularization = 0.01f;
  v.push_back({"revisited", revisited});
  return v;
}

class ImplicitAlsTest : public ::testing::TestWithParam<int> {};

TEST_P(ImplicitAlsTest, CholeskySolvesTheDenseNormalEquations) {
  IalsOptions o = Variants()[GetParam()].options;
  o.solver = IalsOptions::Solver::kCholesky;
  const CsrMatrix m = RandomCsr(23, 17, 0.3, 5, 1, {4});
  FactorMatrix items(m.cols, o.factors), users(m.rows, o.factors);
  items.FillRandomNormal(5, 0.7f, 1);
  users.FillRandomNormal(6, 0.7f, 1);
  ASSERT_TRUE(
      SolveImplicitRows(o, m, 0, m.rows, items, ComputeGram(items, 1), users)
          .ok());
  const Eigen::MatrixXd oracle = OracleSolve(o, m, items);
  for (int64_t u = 0; u < m.rows; ++u) {
    for (int c = 0; c < o.factors; ++c) {
      EXPECT_NEAR(users.at(u, c), oracle(u, c),
                  1e-4 * (1 + std::abs(oracle(u, c))))
          << "row " << u << " col " << c;
    }
  }
  for (float v : users.Row(4)) EXPECT_EQ(v, 0.0f);  // empty row
}

TEST_P(ImplicitAlsTest, ConjugateGradientWithEnoughStepsAgreesWithCholesky) {
  IalsOptions o = Variants()[GetParam()].options;
  const CsrMatrix m = RandomCsr(70, 40, 0.2, 5, 2, {0, 69});  // > 1 block
  FactorMatrix items(m.cols, o.factors), cg(m.rows, o.factors);
  items.FillRandomNormal(8, 0.5f, 1);
  cg.FillRandomNormal(9, 0.5f, 1);
  FactorMatrix chol = cg;
  const FactorMatrix gram = ComputeGram(items, 1);
  o.cg_steps = 4 * o.factors;
  ASSERT_TRUE(SolveImplicitRows(o, m, 0, m.rows, items, gram, cg).ok());
  o.solver = IalsOptions::Solver::kCholesky;
  ASSERT_TRUE(SolveImplicitRows(o, m, 0, m.rows, items, gram, chol).ok());
  for (int64_t u = 0; u < m.rows; ++u) {
    for (int c = 0; c < o.factors; ++c) {
      EXPECT_NEAR(cg.at(u, c), chol.at(u, c), 1e-4) << "row " << u;
    }
  }
}

TEST_P(ImplicitAlsTest, LossByGramTrickMatchesDenseLoss) {
  const IalsOptions o = Variants()[GetParam()].options;
  const CsrMatrix m = RandomCsr(19, 13, 0.3, 4, 3);
  FactorMatrix items(m.cols, o.factors), users(m.rows, o.factors);
  items.FillRandomNormal(1, 0.4f, 1);
  users.FillRandomNormal(2, 0.4f, 1);
  const absl::StatusOr<double> loss = ImplicitLoss(o, m, users, items);
  ASSERT_TRUE(loss.ok()) << loss.status();
  const double oracle = OracleLoss(o, m, users, items);
  EXPECT_NEAR(*loss, oracle, 1e-5 * std::abs(oracle));
}

TEST_P(ImplicitAlsTest, ShortConjugateGradientNeverIncreasesTheLoss) {
  IalsOptions o = Variants()[GetParam()].options;
  o.cg_steps = 1;
  const CsrMatrix m = RandomCsr(40, 30, 0.2, 5, 4);
  FactorMatrix items(m.cols, o.factors), users(m.rows, o.factors);
  items.FillRandomNormal(1, 0.4f, 1);
  users.FillRandomNormal(2, 0.4f, 1);
  const FactorMatrix gram = ComputeGram(items, 1);
  double before = *ImplicitLoss(o, m, users, items);
  for (int step = 0; step < 4; ++step) {
    ASSERT_TRUE(SolveImplicitRows(o, m, 0, m.rows, items, gram, users).ok());
    const double after = *ImplicitLoss(o, m, users, items);
    EXPECT_LT(after, before) << "step " << step;
    before = after;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, ImplicitAlsTest, ::testing::Range(0, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(Variants()[info.param].name);
                         });

TEST(ImplicitAlsErrorsTest, RejectsBadOptions) {
  IalsOptions o;
  o.factors = 0;
  EXPECT_EQ(ValidateIalsOptions(o).code(), absl::StatusCode::kInvalidArgument);
  o = IalsOptions();
  o.regularization = -1;
  EXPECT_NE(ValidateIalsOptions(o).message().find("regularization"),
            absl::string_view::npos);
  o = IalsOptions();
  o.alpha = std::nanf("");
  EXPECT_FALSE(ValidateIalsOptions(o).ok());
  o = IalsOptions();
  o.cg_steps = 0;
  EXPECT_FALSE(ValidateIalsOptions(o).ok());
  o = IalsOptions();
  o.alpha0 = -0.5f;
  EXPECT_FALSE(ValidateIalsOptions(o).ok());
}

TEST(ImplicitAlsErrorsTest, RejectsShapeMismatches) {
  IalsOptions o;
  o.factors = 8;
  const CsrMatrix m = RandomCsr(5, 6, 0.5, 3, 1);
  FactorMatrix items(4, 8), users(5, 8);  // too few item rows
  absl::Status s =
      SolveImplicitRows(o, m, 0, 5, items, ComputeGram(items, 1), users);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  FactorMatrix items6(6, 8), users4(5, 4);
  s = SolveImplicitRows(o, m, 0, 5, items6, ComputeGram(items6, 1), users4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  s = SolveImplicitRows(o, m, 0, 9, items6, ComputeGram(items6, 1), users);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImplicitAlsErrorsTest, NonFiniteFixedFactorsAreReportedWithStepAndRow) {
  IalsOptions o;
  o.factors = 8;
  const CsrMatrix m = RandomCsr(5, 6, 0.5, 3, 1);
  FactorMatrix items(6, 8), users(5, 8);
  items.FillRandomNormal(1, 1.0f, 1);
  items.at(m.indices[0], 3) = std::nanf("");
  for (auto solver : {IalsOptions::Solver::kConjugateGradient,
                      IalsOptions::Solver::kCholesky}) {
    o.solver = solver;
    const absl::Status s = SolveImplicitRows(
        o, m, 0, 5, items, ComputeGram(items, 1), users, "user step");
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
    EXPECT_NE(s.message().find("user step: row "), absl::string_view::npos)
        << s;
  }
}

TEST(FoldInTest, SingleUserMatchesBatchAndChecksInput) {
  IalsOptions o;
  o.factors = 8;
  FactorMatrix items(10, 8);
  items.FillRandomNormal(3, 0.5f, 1);
  const FactorMatrix gram = ComputeGram(items, 1);
  const absl::StatusOr<std::vector<float>> one =
      FoldInUser(o, items, gram, {7, 2}, {3.0f, 1.0f});
  ASSERT_TRUE(one.ok()) << one.status();
  CsrMatrix m;
  m.rows = 1;
  m.cols = 10;
  m.indptr = {0, 2};
  m.indices = {2, 7};
  m.data = {1.0f, 3.0f};
  const absl::StatusOr<FactorMatrix> batch = FoldInUsers(o, items, gram, m);
  ASSERT_TRUE(batch.ok());
  for (int c = 0; c < 8; ++c) EXPECT_EQ((*one)[c], batch->at(0, c));
  EXPECT_FALSE(FoldInUser(o, items, gram, {11}, {1.0f}).ok());
  EXPECT_FALSE(FoldInUser(o, items, gram, {1, 1}, {1.0f, 2.0f}).ok());
  EXPECT_FALSE(FoldInUser(o, items, gram, {1}, {-1.0f}).ok());
  EXPECT_FALSE(FoldInUser(o, items, gram, {1}, {std::nanf("")}).ok());
  const absl::StatusOr<std::vector<float>> none =
      FoldInUser(o, items, gram, {}, {});
  ASSERT_TRUE(none.ok());
  for (float v : *none) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace tailor
