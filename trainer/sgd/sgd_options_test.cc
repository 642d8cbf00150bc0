#include "trainer/sgd/sgd_options.h"

#include <cmath>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(SgdOptionsTest, DefaultsAreValidAndLikeSurprise) {
  SgdOptions o;
  EXPECT_TRUE(ValidateSgdOptions(o).ok());
  EXPECT_EQ(o.epochs, 20);
  EXPECT_FLOAT_EQ(o.learning_rate, 0.005f);
  EXPECT_FLOAT_EQ(o.reg_factors, 0.02f);
  EXPECT_FLOAT_EQ(o.init_stddev, 0.1f);
}

TEST(SgdOptionsTest, RejectsBadValuesNamingTheOption) {
  struct Case {
    void (*mutate)(SgdOptions&);
    const char* name;
  } cases[] = {
      {[](SgdOptions& o) { o.factors = 0; }, "factors"},
      {[](SgdOptions& o) { o.reg_factors = -0.1f; }, "reg_factors"},
      {[](SgdOptions& o) { o.reg_bias = -1; }, "reg_bias"},
      {[](SgdOptions& o) { o.learning_rate = 0; }, "learning_rate"},
      {[](SgdOptions& o) { o.learning_rate = NAN; }, "learning_rate"},
      {[](SgdOptions& o) { o.negatives = 0; }, "negatives"},
      {[](SgdOptions& o) { o.threads = 0; }, "threads"},
      {[](SgdOptions& o) { o.init_stddev = -1; }, "init_stddev"},
      {[](SgdOptions& o) { o.schedule.gamma = 0; }, "schedule.gamma"},
      {[](SgdOptions& o) { o.schedule.step_epochs = 0; },
       "schedule.step_epochs"},
  };
  for (const Case& c : cases) {
    SgdOptions o;
    c.mutate(o);
    absl::Status s = ValidateSgdOptions(o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(s.message().find(c.name), absl::string_view::npos) << s;
  }
}

TEST(SgdOptionsTest, ParsesNamesRoundTrip) {
  for (const char* name : {"biased_mf", "pmf", "nmf", "bpr", "logistic"}) {
    auto a = ParseSgdAlgorithm(name);
    ASSERT_TRUE(a.ok()) << name;
    EXPECT_EQ(SgdAlgorithmName(*a), name);
  }
  EXPECT_FALSE(ParseSgdAlgorithm("svd").ok());
  EXPECT_TRUE(UsesNegatives(SgdAlgorithm::kBpr));
  EXPECT_FALSE(UsesNegatives(SgdAlgorithm::kNmf));
  EXPECT_EQ(*ParseNegativeSampling("popularity"),
            NegativeSampling::kPopularity);
  EXPECT_FALSE(ParseNegativeSampling("zipf").ok());
  EXPECT_EQ(*ParseLrScheduleKind("step"), LrSchedule::Kind::kStep);
  EXPECT_FALSE(ParseLrScheduleKind("cosine").ok());
}

TEST(SgdOptionsTest, LearningRateSchedules) {
  LrSchedule s;
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0.1f, 7), 0.1f);
  s.kind = LrSchedule::Kind::kInverse;
  s.decay = 0.5f;
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0.1f, 2), 0.05f);
  s.kind = LrSchedule::Kind::kStep;
  s.gamma = 0.5f;
  s.step_epochs = 3;
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0.1f, 2), 0.1f);
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0.1f, 3), 0.05f);
  EXPECT_FLOAT_EQ(LearningRateAt(s, 0.1f, 6), 0.025f);
  s.kind = LrSchedule::Kind::kExponential;
  s.gamma = 0.9f;
  EXPECT_NEAR(LearningRateAt(s, 0.1f, 2), 0.081f, 1e-7);
}

}  // namespace
}  // namespace tailor
