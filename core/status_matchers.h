#ifndef TAILOR_CORE_STATUS_MATCHERS_H_
#define TAILOR_CORE_STATUS_MATCHERS_H_

// gMock matchers and test macros for absl::Status and absl::StatusOr<T>:
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("path")));
//   TAILOR_ASSERT_OK_AND_ASSIGN(auto value, FunctionReturningStatusOr());
// Test-only (links gMock).

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace status_matchers_internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

class IsOkMatcher {
 public:
  template <typename T>
  bool MatchAndExplain(const T& actual,
                       ::testing::MatchResultListener* listener) const {
    return MatchStatus(GetStatus(actual), listener);
  }
  bool MatchStatus(const absl::Status& s,
                   ::testing::MatchResultListener* listener) const;
  void DescribeTo(std::ostream* os) const;
  void DescribeNegationTo(std::ostream* os) const;
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(absl::StatusCode code,
                  ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}
  template <typename T>
  bool MatchAndExplain(const T& actual,
                       ::testing::MatchResultListener* listener) const {
    return MatchStatus(GetStatus(actual), listener);
  }
  bool MatchStatus(const absl::Status& s,
                   ::testing::MatchResultListener* listener) const;
  void DescribeTo(std::ostream* os) const;
  void DescribeNegationTo(std::ostream* os) const;

 private:
  absl::StatusCode code_;
  ::testing::Matcher<const std::string&> message_;
};

}  // namespace status_matchers_internal

// Matches an OK absl::Status or an absl::StatusOr<T> holding a value.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher>
IsOk() {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::IsOkMatcher());
}

// Matches a status (or StatusOr's status) with `code` and a message matched
// by `message_matcher` (a matcher or a string to compare equal).
template <typename MessageMatcher>
::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(absl::StatusCode code, MessageMatcher&& message_matcher) {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(
          code, ::testing::MatcherCast<const std::string&>(
                    std::forward<MessageMatcher>(message_matcher))));
}
inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(absl::StatusCode code) {
  return StatusIs(code, ::testing::_);
}

}  // namespace tailor

#define TAILOR_EXPECT_OK(expr) EXPECT_THAT((expr), ::tailor::IsOk())
#define TAILOR_ASSERT_OK(expr) ASSERT_THAT((expr), ::tailor::IsOk())

// Evaluates `rexpr` (an absl::StatusOr<T>) once; fails the test fatally when
// it holds an error, else moves the value into `lhs` (may be a declaration).
#define TAILOR_ASSERT_OK_AND_ASSIGN(lhs, rexpr)                             \
  TAILOR_ASSERT_OK_AND_ASSIGN_IMPL_(                                        \
      TAILOR_STATUS_MACROS_CONCAT_(tailor_assert_statusor_, __LINE__), lhs, \
      rexpr)

#define TAILOR_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)               \
  auto statusor = (rexpr);                                                    \
  ASSERT_TRUE(statusor.ok()) << "`" #rexpr "` failed: " << statusor.status(); \
  lhs = std::move(statusor).value()

#endif  // TAILOR_CORE_STATUS_MATCHERS_H_
