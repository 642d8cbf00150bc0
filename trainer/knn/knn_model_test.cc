#include "trainer/knn/knn_model.h"

#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;

// The ratings of similarity_test.cc (users x items), plus an empty user 4:
//        i0 i1 i2
//   u0:   5  3  -
//   u1:   4  -  2
//   u2:   1  5  4
//   u3:   -  2  5
// Item cosines: s01 = 0.5006262, s02 = 0.2760262, s12 = 0.7254763.
// User cosines: u0-u1 0.7669650, u0-u2 0.5292561, u0-u3 0.1910789.
CsrMatrix Ratings() {
  return MakeCsr(5, 3,
                 {{0, 0, 5},
                  {0, 1, 3},
                  {1, 0, 4},
                  {1, 2, 2},
                  {2, 0, 1},
                  {2, 1, 5},
                  {2, 2, 4},
                  {3, 1, 2},
                  {3, 2, 5}});
}

KnnOptions ItemOptions(int k, RatingPredictor predictor) {
  KnnOptions o;
  o.k = k;
  o.predictor = predictor;
  o.similarity.max_neighbors = 0;
  return o;
}

float Predict(const KnnModel& m, uint32_t u, uint32_t i) {
  const std::vector<uint32_t> users = {u}, items = {i};
  std::vector<float> out(1);
  EXPECT_TRUE(m.PredictRatings(users, items, absl::MakeSpan(out)).ok());
  return out[0];
}

// Item-based KNNBasic, (u0, i2): u0 rated i1 = 3 (s12) and i0 = 5 (s02).
//   k = 2: (0.7254763 * 3 + 0.2760262 * 5) / (0.7254763 + 0.2760262)
//        = 3.5512242;  k = 1: 3.
TEST(KnnModelTest, ItemBasedBasic) {
  auto m2 = KnnModel::Train(Ratings(), ItemOptions(2, RatingPredictor::kBasic));
  ASSERT_TRUE(m2.ok()) << m2.status();
  EXPECT_NEAR(Predict(**m2, 0, 2), 3.5512242, 1e-5);
  auto m1 = KnnModel::Train(Ratings(), ItemOptions(1, RatingPredictor::kBasic));
  EXPECT_NEAR(Predict(**m1, 0, 2), 3.0, 1e-6);
}

// KNNWithMeans, item means 10/3, 10/3, 11/3:
//   11/3 + (s12 (3 - 10/3) + s02 (5 - 10/3)) / (s12 + s02) = 3.8845576
TEST(KnnModelTest, ItemBasedWithMeans) {
  auto m =
      KnnModel::Train(Ratings(), ItemOptions(2, RatingPredictor::kWithMeans));
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(Predict(**m, 0, 2), 3.8845576, 1e-5);
}

// KNNBaseline, one ALS epoch without regularization: mu = 31/9;
//   items: b_i = item mean - mu = -1/9, -1/9, 2/9;
//   users: b_u = mean(r - mu - b_i): u0 2/3, u1 -1/2, u2 -1/9, u3 0.
// Item-based (u3, i0), k = 2, u3 rated i1 = 2 (s01) and i2 = 5 (s02):
//   baseline(u3, i0) = mu + 0 - 1/9 = 30/9; neighbour baselines: i1 30/9,
//   i2 33/9; offset = (s01 (2 - 30/9) + s02 (5 - 33/9)) / (s01 + s02)
//   = -0.3855864 -> 2.9477469
TEST(KnnModelTest, ItemBasedWithBaseline) {
  KnnOptions o = ItemOptions(2, RatingPredictor::kWithBaseline);
  o.baseline_epochs = 1;
  o.baseline_reg_items = 0;
  o.baseline_reg_users = 0;
  auto m = KnnModel::Train(Ratings(), o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_NEAR(Predict(**m, 3, 0), 2.9477469, 1e-5);
  // Unknown user 4: mu + b_i0 (its b_u is 0) = 30/9.
  EXPECT_NEAR(Predict(**m, 4, 0), 30.0 / 9, 1e-5);
}

// User-based, (u0, i2): raters u1 (2, 0.7669650), u2 (4, 0.5292561), u3 (5,
// 0.1910789); k = 2 keeps u1, u2: (0.766965*2 + 0.529256*4) / 1.2962211
//   = 2.8166140
TEST(KnnModelTest, UserBasedBasic) {
  KnnOptions o = ItemOptions(2, RatingPredictor::kBasic);
  o.user_based = true;
  auto m = KnnModel::Train(Ratings(), o);
  ASSERT_TRUE(m.ok());
  EXPECT_NEAR(Predict(**m, 0, 2), 2.8166140, 1e-5);
}

// An unknown (empty) user gets the global mean 31/9; clipping applies.
TEST(KnnModelTest, UnknownUserGetsGlobalMeanAndClips) {
  KnnOptions o = ItemOptions(2, RatingPredictor::kBasic);
  auto m = KnnModel::Train(Ratings(), o);
  EXPECT_NEAR(Predict(**m, 4, 0), 31.0 / 9, 1e-6);
  o.rating_min = 1;
  o.rating_max = 3;
  m = KnnModel::Train(Ratings(), o);
  EXPECT_NEAR(Predict(**m, 4, 0), 3.0, 1e-6);
}

// Item-based top-N for u1 (items i0, i2) with k = 2:
//   i1: s10 + s12 = 0.5006262 + 0.7254763 = 1.2261025
//   i0: neighbours {i1, i2}, u1 has i2 -> 0.2760262; i2: {i1, i0} -> same.
// With k = 1 (N(i0) = {i1}, N(i1) = {i2}, N(i2) = {i1}): i1 gets s12 only.
TEST(KnnModelTest, ItemBasedTopNScores) {
  auto m = KnnModel::Train(Ratings(), ItemOptions(2, RatingPredictor::kBasic));
  const std::vector<uint32_t> users = {1};
  std::vector<float> scores(3);
  ASSERT_TRUE((*m)->ScoreItems(users, absl::MakeSpan(scores)).ok());
  EXPECT_NEAR(scores[1], 1.2261025, 1e-5);
  EXPECT_NEAR(scores[0], 0.2760262, 1e-6);
  EXPECT_NEAR(scores[2], 0.2760262, 1e-6);
  m = KnnModel::Train(Ratings(), ItemOptions(1, RatingPredictor::kBasic));
  ASSERT_TRUE((*m)->ScoreItems(users, absl::MakeSpan(scores)).ok());
  EXPECT_NEAR(scores[1], 0.7254763, 1e-6);
  EXPECT_EQ(scores[0], 0.0f);
}

// User-based top-N for u0, k = 2: neighbours u1 (0.766965: i0, i2) and u2
// (0.529256: i0, i1, i2) -> i0 = i2 = 1.2962211, i1 = 0.5292561.
TEST(KnnModelTest, UserBasedTopNScores) {
  KnnOptions o = ItemOptions(2, RatingPredictor::kBasic);
  o.user_based = true;
  auto m = KnnModel::Train(Ratings(), o);
  const std::vector<uint32_t> users = {0};
  std::vector<float> scores(3);
  ASSERT_TRUE((*m)->ScoreItems(users, absl::MakeSpan(scores)).ok());
  EXPECT_NEAR(scores[0], 1.2962211, 1e-5);
  EXPECT_NEAR(scores[1], 0.5292561, 1e-5);
  EXPECT_NEAR(scores[2], 1.2962211, 1e-5);
}

TEST(KnnModelTest, BadInputIsAnError) {
  KnnOptions o;
  o.k = 0;
  EXPECT_FALSE(KnnModel::Train(Ratings(), o).ok());
  EXPECT_FALSE(KnnModel::Train(MakeCsr(2, 2, {}), KnnOptions()).ok());
  auto m = KnnModel::Train(Ratings(), KnnOptions());
  const std::vector<uint32_t> users = {9}, items = {0};
  std::vector<float> out(1);
  EXPECT_FALSE((*m)->PredictRatings(users, items, absl::MakeSpan(out)).ok());
  std::vector<float> scores(2);  // wrong size
  EXPECT_FALSE((*m)->ScoreItems(items, absl::MakeSpan(scores)).ok());
}

}  // namespace
}  // namespace tailor
