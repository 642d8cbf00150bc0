#include "core/status_matchers.h"

namespace tailor {
namespace status_matchers_internal {

bool IsOkMatcher::MatchStatus(const absl::Status& s,
                              ::testing::MatchResultListener* listener) const {
  if (!s.ok()) *listener << "which has status " << s;
  return s.ok();
}

void IsOkMatcher::DescribeTo(std::ostream* os) const { *os << "is OK"; }

void IsOkMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "is not OK";
}

bool StatusIsMatcher::MatchStatus(
    const absl::Status& s, ::testing::MatchResultListener* listener) const {
  if (s.code() != code_) {
    *listener << "whose code is " << absl::StatusCodeToString(s.code())
              << " (status " << s << ")";
    return false;
  }
  const std::string message(s.message());
  ::testing::StringMatchResultListener inner;
  if (!message_.MatchAndExplain(message, &inner)) {
    *listener << "whose message \"" << message << "\" does not match";
    if (!inner.str().empty()) *listener << ", " << inner.str();
    return false;
  }
  return true;
}

void StatusIsMatcher::DescribeTo(std::ostream* os) const {
  *os << "has status code " << absl::StatusCodeToString(code_)
      << " and a message that ";
  message_.DescribeTo(os);
}

void StatusIsMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "does not have status code " << absl::StatusCodeToString(code_)
      << " or has a message that ";
  message_.DescribeNegationTo(os);
}

}  // namespace status_matchers_internal
}  // namespace tailor
