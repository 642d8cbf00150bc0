#include "trainer/local/train_loop.h"

#include <memory>
#include <random>
#include <vector>

#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/knn/similarity_table_io.h"
#include "trainer/local/recommender.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

// A random users x items matrix with values in 1..5, fixed seed.
CsrMatrix RandomRatings(int users, int items, double density, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<uint32_t> rows, cols;
  std::vector<float> values;
  for (int u = 0; u < users; ++u) {
    for (int i = 0; i < items; ++i) {
      if (coin(rng) < density || i == u % items) {
        rows.push_back(u);
        cols.push_back(i);
        values.push_back(1 + static_cast<float>((u * 7 + i * 3) % 5));
      }
    }
  }
  return CsrFromTriples(users, items, rows, cols, values,
                        DuplicatePolicy::kLast);
}

tailor::v1::JobSpec Spec(const std::string& algorithm, int iterations) {
  tailor::v1::JobSpec spec;
  spec.set_algorithm(algorithm);
  spec.set_factors(8);
  spec.set_iterations(iterations);
  spec.set_threads(2);
  spec.set_seed(7);
  ApplyAlgorithmDefaults(spec);
  return spec;
}

TEST(TrainLoopTest, IalsLossDecreasesAndMetricIsReported) {
  const CsrMatrix train = RandomRatings(60, 40, 0.15, 1);
  const CsrMatrix test = RandomRatings(60, 40, 0.05, 2);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto model,
                              CreateRecommender(Spec("ials", 5), train, {}));
  TrainLoopOptions options;
  options.iterations = 5;
  options.train = &train;
  options.holdout = &test;
  options.metric = "ndcg@10";
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult result,
                              RunTrainLoop(*model, fs.get(), options));
  ASSERT_EQ(result.history.size(), 5u);
  for (size_t i = 1; i < result.history.size(); ++i) {
    EXPECT_LE(result.history[i].loss, result.history[i - 1].loss + 1e-6);
  }
  EXPECT_EQ(result.history.back().metric_name, "ndcg@10");
  EXPECT_GE(result.history.back().metric, 0.0);
  EXPECT_LE(result.history.back().metric, 1.0);
}

TEST(TrainLoopTest, ExplicitAlsLossDecreasesAndReportsRmse) {
  const CsrMatrix train = RandomRatings(60, 40, 0.2, 11);
  const CsrMatrix test = RandomRatings(60, 40, 0.05, 12);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto model,
                              CreateRecommender(Spec("als", 4), train, {}));
  TrainLoopOptions options;
  options.iterations = 4;
  options.train = &train;
  options.holdout = &test;
  options.metric = "rmse";
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult result,
                              RunTrainLoop(*model, fs.get(), options));
  ASSERT_EQ(result.history.size(), 4u);
  for (size_t i = 1; i < result.history.size(); ++i) {
    EXPECT_LE(result.history[i].loss, result.history[i - 1].loss + 1e-6);
  }
  EXPECT_GT(result.history.back().metric, 0.0);
}

TEST(TrainLoopTest, ResumeFromCheckpointEqualsAStraightRun) {
  const CsrMatrix train = RandomRatings(50, 30, 0.2, 3);
  auto fs = NewInMemoryFileSystem();
  TrainLoopOptions options;
  options.iterations = 4;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto straight,
                              CreateRecommender(Spec("ials", 4), train, {}));
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult a,
                              RunTrainLoop(*straight, fs.get(), options));

  TAILOR_ASSERT_OK_AND_ASSIGN(auto first,
                              CreateRecommender(Spec("ials", 4), train, {}));
  options.iterations = 2;
  options.checkpoint_dir = "/ckpt";
  options.checkpoint_every = 1;
  TAILOR_ASSERT_OK(RunTrainLoop(*first, fs.get(), options).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(auto resumed,
                              CreateRecommender(Spec("ials", 4), train, {}));
  options.iterations = 4;
  options.resume = true;
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult b,
                              RunTrainLoop(*resumed, fs.get(), options));
  EXPECT_EQ(b.resumed_from, 2);
  ASSERT_EQ(b.history.size(), 2u);
  EXPECT_NEAR(b.history.back().loss, a.history.back().loss,
              1e-6 * std::abs(a.history.back().loss));
}

TEST(TrainLoopTest, DivergingLearningRateIsAnErrorNamingTheIteration) {
  const CsrMatrix train = RandomRatings(40, 30, 0.3, 4);
  tailor::v1::JobSpec spec = Spec("biased_mf", 10);
  spec.set_learning_rate(50.0);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto model, CreateRecommender(spec, train, {}));
  TrainLoopOptions options;
  options.iterations = 10;
  auto fs = NewInMemoryFileSystem();
  EXPECT_THAT(
      RunTrainLoop(*model, fs.get(), options),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("iteration")));
}

TEST(TrainLoopTest, PlateauStopsEarly) {
  const CsrMatrix train = RandomRatings(40, 30, 0.3, 5);
  const CsrMatrix test = RandomRatings(40, 30, 0.1, 6);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto model,
                              CreateRecommender(Spec("ials", 50), train, {}));
  TrainLoopOptions options;
  options.iterations = 50;
  options.train = &train;
  options.holdout = &test;
  options.patience = 2;
  options.min_improvement = 1.0;  // nothing improves by a whole unit
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult result,
                              RunTrainLoop(*model, fs.get(), options));
  EXPECT_EQ(result.stop_reason, "plateau");
  EXPECT_EQ(result.iterations_run, 3);
}

TEST(TrainLoopTest, FittedModelsEvaluateOnce) {
  const CsrMatrix train = RandomRatings(30, 20, 0.3, 8);
  const CsrMatrix test = RandomRatings(30, 20, 0.1, 9);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto model, CreateRecommender(Spec("popularity", 1), train, {}));
  TrainLoopOptions options;
  options.train = &train;
  options.holdout = &test;
  options.metric = "precision@5";
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(TrainLoopResult result,
                              RunTrainLoop(*model, fs.get(), options));
  EXPECT_EQ(result.stop_reason, "fitted");
  EXPECT_EQ(result.history.size(), 1u);
}

TEST(TrainLoopTest, ItemKnnExportsItsSimilarityTableAndKeys) {
  const CsrMatrix train = RandomRatings(30, 20, 0.3, 13);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto model, CreateRecommender(Spec("item_knn", 1), train, {}));
  std::vector<uint64_t> user_keys(30), item_keys(20);
  for (int i = 0; i < 30; ++i) user_keys[i] = 1000 + i;
  for (int i = 0; i < 20; ++i) item_keys[i] = 5000 + 3 * i;
  ModelVersionContents contents;
  contents.algorithm = "item_knn";
  TAILOR_ASSERT_OK(model->Export(user_keys, item_keys, contents));
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(
      std::string dir, ExportModelVersion(fs.get(), "/m", "knn", contents));
  TAILOR_ASSERT_OK(ReadModelManifest(fs.get(), dir).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(
      NeighborTable table,
      ReadSimilarityTable(fs.get(), dir + "/similar_items.tsim", nullptr));
  EXPECT_EQ(table.rows, 20);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      FactorTable keys, ReadFactorTable(fs.get(), dir + "/item_factors.tft"));
  EXPECT_EQ(keys.keys(), item_keys);
}

TEST(TrainLoopTest, UnknownAlgorithmAndEmptyDataAreErrors) {
  const CsrMatrix train = RandomRatings(10, 10, 0.3, 10);
  EXPECT_THAT(CreateRecommender(Spec("magic", 1), train, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown algorithm")));
  CsrMatrix empty;
  empty.rows = 3;
  empty.cols = 3;
  empty.indptr = {0, 0, 0, 0};
  EXPECT_THAT(CreateRecommender(Spec("ials", 1), empty, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

}  // namespace
}  // namespace tailor
