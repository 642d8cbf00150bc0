#include "trainer/als/ials_trainer.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/als/test_data.h"

namespace tailor {
namespace {

using als_testing::RandomCsr;

IalsOptions Small() {
  IalsOptions o;
  o.factors = 8;
  o.regularization = 0.05f;
  o.alpha = 3.0f;
  o.init_stddev = 0.1f;
  o.threads = 2;
  return o;
}

std::vector<std::pair<const char*, IalsOptions>> Variants() {
  std::vector<std::pair<const char*, IalsOptions>> v;
  v.push_back({"cg", Small()});
  IalsOptions chol = Small();
  chol.solver = IalsOptions::Solver::kCholesky;
  v.push_back({"cholesky", chol});
  IalsOptions log = Small();
  log.confidence = IalsOptions::Confidence::kLog;
  v.push_back({"log", log});
  IalsOptions freq = Small();
  freq.scale_reg_by_frequency = true;
  v.push_back({"frequency", freq});
  IalsOptions rev = Small();
  rev.alpha0 = 0.1f;
  rev.alpha = 0;
  rev.scale_reg_by_frequency = true;
  rev.regularization = 0.002f;
  v.push_back({"revisited", rev});
  IalsOptions rev_chol = rev;
  rev_chol.solver = IalsOptions::Solver::kCholesky;
  v.push_back({"revisited_cholesky", rev_chol});
  return v;
}

TEST(IalsTrainerTest, LossDecreasesEveryEpochForEveryVariant) {
  const CsrMatrix m = RandomCsr(150, 90, 0.08, 5, 7, {3});
  for (const auto& [name, options] : Variants()) {
    auto trainer = IalsTrainer::Create(options, m);
    ASSERT_TRUE(trainer.ok()) << name << ": " << trainer.status();
    double before = (*trainer)->Loss();
    for (int epoch = 0; epoch < 6; ++epoch) {
      ASSERT_TRUE((*trainer)->RunEpoch().ok()) << name;
      const double after = (*trainer)->Loss();
      EXPECT_LT(after, before) << name << " epoch " << epoch;
      before = after;
    }
    for (float v : (*trainer)->user_factors().Row(3)) EXPECT_EQ(v, 0.0f);
  }
}

TEST(IalsTrainerTest, FoldInOfATrainingUserReproducesItsFactors) {
  IalsOptions o = Small();
  o.solver = IalsOptions::Solver::kCholesky;
  const CsrMatrix m = RandomCsr(120, 60, 0.1, 5, 11);
  auto trainer = IalsTrainer::Create(o, m);
  ASSERT_TRUE(trainer.ok());
  for (int epoch = 0; epoch < 3; ++epoch)
    ASSERT_TRUE((*trainer)->RunEpoch().ok());
  ASSERT_TRUE((*trainer)->SolveUsers().ok());  // users current w.r.t. items
  const FactorMatrix& items = (*trainer)->item_factors();
  const FactorMatrix gram = ComputeGram(items, 1);
  for (int64_t u = 0; u < m.rows; u += 7) {
    std::vector<uint32_t> ids(m.indices.begin() + m.indptr[u],
                              m.indices.begin() + m.indptr[u + 1]);
    std::vector<float> values(m.data.begin() + m.indptr[u],
                              m.data.begin() + m.indptr[u + 1]);
    const absl::StatusOr<std::vector<float>> folded =
        FoldInUser(o, items, gram, ids, values);
    ASSERT_TRUE(folded.ok()) << folded.status();
    for (int c = 0; c < o.factors; ++c) {
      EXPECT_NEAR((*folded)[c], (*trainer)->user_factors().at(u, c), 1e-4)
          << "user " << u;
    }
  }
}

TEST(IalsTrainerTest, ResultsDoNotDependOnThreadCount) {
  const CsrMatrix m = RandomCsr(300, 70, 0.05, 5, 13);
  IalsOptions one = Small(), two = Small();
  one.threads = 1;
  two.threads = 2;
  auto a = IalsTrainer::Create(one, m);
  auto b = IalsTrainer::Create(two, m);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int epoch = 0; epoch < 2; ++epoch) {
    ASSERT_TRUE((*a)->RunEpoch().ok());
    ASSERT_TRUE((*b)->RunEpoch().ok());
  }
  for (int64_t i = 0; i < m.cols; ++i) {
    for (int c = 0; c < 8; ++c) {
      ASSERT_EQ((*a)->item_factors().at(i, c), (*b)->item_factors().at(i, c));
    }
  }
}

TEST(IalsTrainerTest, EpochStatsCountTheWork) {
  const CsrMatrix m = RandomCsr(50, 40, 0.1, 5, 17);
  auto trainer = IalsTrainer::Create(Small(), m);
  ASSERT_TRUE(trainer.ok());
  const absl::StatusOr<EpochStats> stats = (*trainer)->RunEpoch();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->nnz, 2 * m.nnz());
  EXPECT_GT(stats->flops, 4 * 4.0 * 8 * 2 * m.nnz());  // sparse part alone
  EXPECT_GT(stats->seconds, 0);
}

TEST(IalsTrainerTest, RejectsBadInput) {
  const CsrMatrix m = RandomCsr(10, 8, 0.3, 5, 19);
  IalsOptions o = Small();
  o.factors = 0;
  EXPECT_EQ(IalsTrainer::Create(o, m).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = Small();
  o.regularization = -0.1f;
  EXPECT_EQ(IalsTrainer::Create(o, m).status().code(),
            absl::StatusCode::kInvalidArgument);
  CsrMatrix empty;
  const absl::Status s = IalsTrainer::Create(Small(), empty).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("empty"), absl::string_view::npos) << s;
  CsrMatrix no_entries = RandomCsr(4, 4, 0.0, 1, 1);
  EXPECT_FALSE(IalsTrainer::Create(Small(), no_entries).ok());
  CsrMatrix nan = m;
  nan.data[2] = std::nanf("");
  EXPECT_EQ(IalsTrainer::Create(Small(), nan).status().code(),
            absl::StatusCode::kInvalidArgument);
  CsrMatrix negative = m;
  negative.data[1] = -2.0f;
  const absl::Status neg = IalsTrainer::Create(Small(), negative).status();
  EXPECT_NE(neg.message().find(">= 0"), absl::string_view::npos) << neg;
  CsrMatrix broken = m;
  broken.indices[0] = 99;  // column out of range
  EXPECT_FALSE(IalsTrainer::Create(Small(), broken).ok());
}

TEST(IalsTrainerTest, ZeroRegularizationWithTooFewItemsFailsCleanly) {
  // 3 items but 8 factors: every user system is singular without lambda.
  const CsrMatrix m = RandomCsr(6, 3, 0.6, 5, 23);
  IalsOptions o = Small();
  o.regularization = 0;
  o.solver = IalsOptions::Solver::kCholesky;
  auto trainer = IalsTrainer::Create(o, m);
  ASSERT_TRUE(trainer.ok());
  const absl::StatusOr<EpochStats> epoch = (*trainer)->RunEpoch();
  ASSERT_FALSE(epoch.ok());
  EXPECT_NE(epoch.status().message().find("user step: row"),
            absl::string_view::npos)
      << epoch.status();
}

}  // namespace
}  // namespace tailor
