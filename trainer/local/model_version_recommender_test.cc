#include "trainer/local/model_version_recommender.h"

#include <cmath>
#include <memory>
#include <vector>

#include "core/file_system.h"
#include "core/model/model_version.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/local/recommender.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

// 6 users x 5 items of ratings.
CsrMatrix Ratings() {
  return CsrMatrix{6,
                   5,
                   {0, 3, 5, 8, 10, 13, 15},
                   {0, 1, 2, 0, 3, 1, 2, 4, 3, 4, 0, 2, 4, 1, 3},
                   {5, 4, 1, 4, 2, 3, 5, 1, 4, 2, 5, 3, 1, 2, 4}};
}

struct Exported {
  std::unique_ptr<Recommender> model;
  std::string dir;
};

Exported TrainAndExport(FileSystem* fs, const std::string& algorithm,
                        const std::vector<uint64_t>& user_keys,
                        const std::vector<uint64_t>& item_keys) {
  tailor::v1::JobSpec spec;
  spec.set_algorithm(algorithm);
  spec.set_factors(3);
  spec.set_threads(1);
  spec.set_seed(5);
  ApplyAlgorithmDefaults(spec);
  absl::StatusOr<std::unique_ptr<Recommender>> model =
      CreateRecommender(spec, Ratings(), {});
  EXPECT_TRUE(model.ok()) << model.status();
  if ((*model)->iterative()) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE((*model)->Iterate().ok());
  }
  ModelVersionContents contents;
  contents.algorithm = algorithm;
  contents.factors = 3;
  EXPECT_TRUE((*model)->Export(user_keys, item_keys, contents).ok());
  absl::StatusOr<std::string> dir =
      ExportModelVersion(fs, "/models", algorithm, contents);
  EXPECT_TRUE(dir.ok()) << dir.status();
  return {*std::move(model), *dir};
}

const std::vector<uint64_t> kUsers = {10, 20, 30, 40, 50, 60};
const std::vector<uint64_t> kItems = {100, 200, 300, 400, 500};

TEST(ModelVersionRecommenderTest, ReproducesTheTrainedModelsScores) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  for (const char* algorithm : {"biased_mf", "ials", "bpr", "popularity"}) {
    Exported e = TrainAndExport(fs.get(), algorithm, kUsers, kItems);
    TAILOR_ASSERT_OK_AND_ASSIGN(
        LoadedModelVersion loaded,
        LoadModelVersionRecommender(fs.get(), e.dir, kUsers, kItems));
    EXPECT_EQ(loaded.items_matched, 5);
    const std::vector<uint32_t> users = {0, 3, 5};
    std::vector<float> want(15), got(15);
    TAILOR_ASSERT_OK(e.model->Score(users, absl::MakeSpan(want)));
    TAILOR_ASSERT_OK(loaded.model->Score(users, absl::MakeSpan(got)));
    for (int i = 0; i < 15; ++i)
      EXPECT_NEAR(got[i], want[i], 1e-4) << algorithm;
    if (std::string(algorithm) == "biased_mf") {
      const std::vector<uint32_t> pu = {0, 2, 4}, pi = {1, 4, 0};
      std::vector<float> pw(3), pg(3);
      TAILOR_ASSERT_OK(e.model->Predict(pu, pi, absl::MakeSpan(pw)));
      TAILOR_ASSERT_OK(loaded.model->Predict(pu, pi, absl::MakeSpan(pg)));
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(pg[i], pw[i], 1e-4);
    }
  }
}

TEST(ModelVersionRecommenderTest, MatchesRowsByKeyAndHidesUnknownItems) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  Exported e = TrainAndExport(fs.get(), "ials", kUsers, kItems);
  // The dataset lists item 300 first and has an item the model lacks.
  const std::vector<uint64_t> items = {300, 100, 999};
  TAILOR_ASSERT_OK_AND_ASSIGN(
      LoadedModelVersion loaded,
      LoadModelVersionRecommender(fs.get(), e.dir, kUsers, items));
  EXPECT_EQ(loaded.items_matched, 2);
  std::vector<float> want(5), got(3);
  const std::vector<uint32_t> user = {1};
  TAILOR_ASSERT_OK(e.model->Score(user, absl::MakeSpan(want)));
  TAILOR_ASSERT_OK(loaded.model->Score(user, absl::MakeSpan(got)));
  EXPECT_NEAR(got[0], want[2], 1e-5);
  EXPECT_NEAR(got[1], want[0], 1e-5);
  EXPECT_TRUE(std::isinf(got[2]) && got[2] < 0);
}

TEST(ModelVersionRecommenderTest, RefusesModelsWithoutFactorTables) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  Exported e = TrainAndExport(fs.get(), "item_knn", kUsers, kItems);
  absl::Status s =
      LoadModelVersionRecommender(fs.get(), e.dir, kUsers, kItems).status();
  EXPECT_THAT(s.message(), HasSubstr("no item factor table"));
  Exported f = TrainAndExport(fs.get(), "ials", kUsers, kItems);
  s = LoadModelVersionRecommender(fs.get(), f.dir, kUsers, {7, 8}).status();
  EXPECT_THAT(s.message(), HasSubstr("different dataset"));
}

}  // namespace
}  // namespace tailor
