#include "core/status_matchers.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::DescribeMatcher;
using ::testing::ExplainMatchResult;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StringMatchResultListener;

absl::StatusOr<int> Value(int v) { return v; }
absl::StatusOr<int> NotFound() { return absl::NotFoundError("no such key"); }

TEST(IsOkTest, MatchesOkStatusAndStatusOrWithValue) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(Value(3), IsOk());
  EXPECT_THAT(absl::StatusOr<std::unique_ptr<int>>(std::make_unique<int>(1)),
              IsOk());
}

TEST(IsOkTest, RejectsErrorsAndExplainsWhy) {
  EXPECT_THAT(absl::InternalError("boom"), Not(IsOk()));
  EXPECT_THAT(NotFound(), Not(IsOk()));
  StringMatchResultListener listener;
  EXPECT_FALSE(ExplainMatchResult(IsOk(), NotFound(), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("NOT_FOUND: no such key"));
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk()), "is OK");
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk(), /*negation=*/true),
            "is not OK");
}

TEST(StatusIsTest, MatchesCodeAlone) {
  EXPECT_THAT(absl::NotFoundError("x"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(NotFound(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(absl::OkStatus(), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(Value(1), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(NotFound(), Not(StatusIs(absl::StatusCode::kInternal)));
  EXPECT_THAT(absl::OkStatus(), Not(StatusIs(absl::StatusCode::kNotFound)));
}

TEST(StatusIsTest, MatchesCodeAndMessage) {
  EXPECT_THAT(NotFound(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("such")));
  EXPECT_THAT(NotFound(), StatusIs(absl::StatusCode::kNotFound, "no such key"));
  EXPECT_THAT(NotFound(),
              Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("path"))));
  EXPECT_THAT(NotFound(),
              Not(StatusIs(absl::StatusCode::kInternal, HasSubstr("such"))));
}

TEST(StatusIsTest, ExplainsMismatches) {
  StringMatchResultListener code_listener;
  EXPECT_FALSE(ExplainMatchResult(StatusIs(absl::StatusCode::kInternal),
                                  NotFound(), &code_listener));
  EXPECT_THAT(code_listener.str(), HasSubstr("whose code is NOT_FOUND"));

  StringMatchResultListener message_listener;
  EXPECT_FALSE(ExplainMatchResult(
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("path")), NotFound(),
      &message_listener));
  EXPECT_THAT(message_listener.str(),
              HasSubstr("whose message \"no such key\" does not match"));

  EXPECT_EQ(DescribeMatcher<absl::Status>(
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("x"))),
            "has status code NOT_FOUND and a message that has substring \"x\"");
}

TEST(MacrosTest, AssertOkAndAssignMovesTheValue) {
  TAILOR_ASSERT_OK_AND_ASSIGN(int v, Value(7));
  EXPECT_EQ(v, 7);
  std::unique_ptr<int> p;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      p, absl::StatusOr<std::unique_ptr<int>>(std::make_unique<int>(9)));
  EXPECT_EQ(*p, 9);
  TAILOR_ASSERT_OK(absl::OkStatus());
  TAILOR_EXPECT_OK(Value(1));
}

void AssignFromError() {
  TAILOR_ASSERT_OK_AND_ASSIGN(int v, NotFound());
  (void)v;
}
void AssertOkOnError() { TAILOR_ASSERT_OK(absl::InternalError("kaput")); }

TEST(MacrosTest, FailOnErrors) {
  EXPECT_FATAL_FAILURE(AssignFromError(), "NOT_FOUND: no such key");
  EXPECT_FATAL_FAILURE(AssertOkOnError(), "kaput");
  EXPECT_NONFATAL_FAILURE(TAILOR_EXPECT_OK(absl::InternalError("boom")),
                          "boom");
}

}  // namespace
}  // namespace tailor
