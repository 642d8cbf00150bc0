#include "trainer/eval/rating_metrics.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// Errors 1, 0, 2: RMSE = sqrt((1 + 0 + 4) / 3) = 1.2909944, MAE = 1.
TEST(RatingMetricsTest, HandComputed) {
  const std::vector<float> truth = {1, 2, 3};
  const std::vector<float> predicted = {2, 2, 5};
  absl::StatusOr<RatingErrors> e = ComputeRatingErrors(truth, predicted);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_NEAR(e->rmse, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_NEAR(e->mae, 1.0, 1e-12);
  EXPECT_EQ(e->count, 3);
}

TEST(RatingMetricsTest, EmptyIsAnError) {
  EXPECT_FALSE(ComputeRatingErrors({}, {}).ok());
}

TEST(RatingMetricsTest, SizeMismatchIsAnError) {
  const std::vector<float> truth = {1, 2};
  const std::vector<float> predicted = {1};
  EXPECT_FALSE(ComputeRatingErrors(truth, predicted).ok());
}

TEST(RatingMetricsTest, NanPredictionIsAnError) {
  const std::vector<float> truth = {1};
  const std::vector<float> predicted = {std::nanf("")};
  absl::StatusOr<RatingErrors> e = ComputeRatingErrors(truth, predicted);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("prediction 0"), std::string::npos);
}

}  // namespace
}  // namespace tailor
