#include "trainer/sgd/sgd_trainer.h"

#include <cmath>

#include "gtest/gtest.h"
#include "trainer/sgd/test_matrices.h"

namespace tailor {
namespace {

SgdOptions SmallOptions(SgdAlgorithm a) {
  SgdOptions o;
  o.algorithm = a;
  o.factors = 12;
  o.threads = 2;
  o.grid = 4;
  o.seed = 17;
  o.learning_rate = UsesNegatives(a) ? 0.05f : 0.02f;
  o.reg_factors = 0.02f;
  o.negatives = 2;
  return o;
}

CsrMatrix DataFor(SgdAlgorithm a) {
  return UsesNegatives(a) ? RandomImplicit(300, 120, 0.08, 5)
                          : RandomRatings(300, 120, 0.1, 5);
}

class AlgorithmTest : public testing::TestWithParam<SgdAlgorithm> {};

TEST_P(AlgorithmTest, LossDecreasesOverEpochs) {
  const CsrMatrix m = DataFor(GetParam());
  for (bool deterministic : {true, false}) {
    SgdOptions o = SmallOptions(GetParam());
    o.deterministic = deterministic;
    auto t = SgdTrainer::Create(o, m);
    ASSERT_TRUE(t.ok()) << t.status();
    const double initial = (*t)->TrainLoss();
    double previous = initial;
    for (int e = 0; e < 15; ++e) {
      auto stats = (*t)->RunEpoch();
      ASSERT_TRUE(stats.ok()) << stats.status();
      EXPECT_EQ(stats->epoch, e);
      EXPECT_GT(stats->examples, 0);
      const double loss = (*t)->TrainLoss();
      // Per-epoch: no real increase; overall: a clear decrease.
      EXPECT_LT(loss, previous * 1.02) << "epoch " << e;
      previous = loss;
    }
    EXPECT_LT(previous, 0.8 * initial)
        << SgdAlgorithmName(GetParam()) << " deterministic=" << deterministic;
  }
}

TEST_P(AlgorithmTest, DeterministicModeRepeatsExactly) {
  const CsrMatrix m = DataFor(GetParam());
  SgdModel models[3];
  for (int run = 0; run < 3; ++run) {
    SgdOptions o = SmallOptions(GetParam());
    o.threads = run == 2 ? 1 : 2;  // the grid, not the thread count, matters
    auto t = SgdTrainer::Create(o, m);
    ASSERT_TRUE(t.ok());
    for (int e = 0; e < 3; ++e) ASSERT_TRUE((*t)->RunEpoch().ok());
    models[run] = (*t)->model();
  }
  for (int run = 1; run < 3; ++run) {
    EXPECT_EQ(models[0].user_factors, models[run].user_factors) << run;
    EXPECT_EQ(models[0].item_factors, models[run].item_factors) << run;
    EXPECT_EQ(models[0].user_bias, models[run].user_bias) << run;
    EXPECT_EQ(models[0].item_bias, models[run].item_bias) << run;
  }
  SgdOptions other = SmallOptions(GetParam());
  other.seed = 18;
  auto t = SgdTrainer::Create(other, m);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->RunEpoch().ok());
  EXPECT_NE((*t)->model().item_factors, models[0].item_factors);
}

INSTANTIATE_TEST_SUITE_P(All, AlgorithmTest,
                         testing::Values(SgdAlgorithm::kBiasedMf,
                                         SgdAlgorithm::kPmf, SgdAlgorithm::kNmf,
                                         SgdAlgorithm::kBpr,
                                         SgdAlgorithm::kLogistic),
                         [](const testing::TestParamInfo<SgdAlgorithm>& info) {
                           return std::string(SgdAlgorithmName(info.param));
                         });

TEST(SgdTrainerTest, NmfFactorsStayNonNegative) {
  SgdOptions o = SmallOptions(SgdAlgorithm::kNmf);
  o.learning_rate = 0.05f;
  auto t = SgdTrainer::Create(o, RandomRatings(200, 80, 0.1, 2));
  ASSERT_TRUE(t.ok());
  for (int e = 0; e < 10; ++e) ASSERT_TRUE((*t)->RunEpoch().ok());
  for (float v : (*t)->model().user_factors) ASSERT_GE(v, 0.0f);
  for (float v : (*t)->model().item_factors) ASSERT_GE(v, 0.0f);
  EXPECT_TRUE((*t)->model().user_bias.empty());
}

TEST(SgdTrainerTest, DivergingLearningRateIsAnError) {
  SgdOptions o = SmallOptions(SgdAlgorithm::kBiasedMf);
  o.learning_rate = 5.0f;
  auto t = SgdTrainer::Create(o, RandomRatings(200, 80, 0.1, 2));
  ASSERT_TRUE(t.ok());
  absl::Status error;
  for (int e = 0; e < 10 && error.ok(); ++e) error = (*t)->RunEpoch().status();
  EXPECT_EQ(error.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(error.message().find("diverged"), absl::string_view::npos) << error;
  EXPECT_NE(error.message().find("learning_rate"), absl::string_view::npos);
  EXPECT_EQ((*t)->RunEpoch().status(), error);  // sticky
}

TEST(SgdTrainerTest, RejectsBadInput) {
  const CsrMatrix m = RandomRatings(20, 10, 0.3, 1);
  SgdOptions o = SmallOptions(SgdAlgorithm::kBiasedMf);
  o.factors = 0;
  EXPECT_EQ(SgdTrainer::Create(o, m).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = SmallOptions(SgdAlgorithm::kBiasedMf);
  o.reg_factors = -1;
  EXPECT_EQ(SgdTrainer::Create(o, m).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = SmallOptions(SgdAlgorithm::kBiasedMf);
  CsrMatrix empty;
  empty.rows = 5;
  empty.cols = 5;
  empty.indptr.assign(6, 0);
  auto s = SgdTrainer::Create(o, empty).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("empty"), absl::string_view::npos) << s;
  CsrMatrix broken = m;
  broken.indices[0] = 99;  // column out of range
  EXPECT_EQ(SgdTrainer::Create(o, broken).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SgdTrainerTest, BprSkipsUsersWithoutItems) {
  // The last 30 users have no interactions: they are never sampled, keep
  // their initial factors, and training still works for the others.
  const CsrMatrix m = RandomRatings(100, 40, 0.1, 4, /*empty_rows=*/30);
  SgdOptions o = SmallOptions(SgdAlgorithm::kBpr);
  auto t = SgdTrainer::Create(o, m);
  ASSERT_TRUE(t.ok());
  const std::vector<float> before = (*t)->model().user_factors;
  auto stats = (*t)->RunEpoch();
  ASSERT_TRUE(stats.ok()) << stats.status();
  const auto& after = (*t)->model().user_factors;
  const int k = o.factors;
  EXPECT_EQ(std::vector<float>(before.begin() + 70 * k, before.end()),
            std::vector<float>(after.begin() + 70 * k, after.end()));
  EXPECT_NE(std::vector<float>(before.begin(), before.begin() + 70 * k),
            std::vector<float>(after.begin(), after.begin() + 70 * k));
}

TEST(SgdTrainerTest, PopularitySamplingTrains) {
  SgdOptions o = SmallOptions(SgdAlgorithm::kBpr);
  o.sampling = NegativeSampling::kPopularity;
  o.threads = 1;
  const CsrMatrix m = RandomImplicit(300, 120, 0.08, 5);
  auto t = SgdTrainer::Create(o, m);
  ASSERT_TRUE(t.ok());
  const double initial = (*t)->TrainLoss();
  for (int e = 0; e < 10; ++e) ASSERT_TRUE((*t)->RunEpoch().ok());
  EXPECT_LT((*t)->TrainLoss(), 0.9 * initial);
}

TEST(SgdTrainerTest, BiasedMfFitsRatingsAndPredictsInRange) {
  SgdOptions o = SmallOptions(SgdAlgorithm::kBiasedMf);
  o.threads = 1;  // tiny data; concurrency is covered by AlgorithmTest
  const CsrMatrix m = RandomRatings(300, 120, 0.1, 5);
  auto t = SgdTrainer::Create(o, m);
  ASSERT_TRUE(t.ok());
  double mean = 0;
  for (float v : m.data) mean += v;
  EXPECT_NEAR((*t)->model().global_mean, mean / m.nnz(), 1e-4);
  for (int e = 0; e < 30; ++e) ASSERT_TRUE((*t)->RunEpoch().ok());
  EXPECT_LT(std::sqrt((*t)->TrainLoss()), 0.75);
  const float p = (*t)->Predict(0, m.indices[0]);
  EXPECT_GT(p, 0.0f);
  EXPECT_LT(p, 6.0f);
}

}  // namespace
}  // namespace tailor
