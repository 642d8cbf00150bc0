#include "parameter_server/staleness_policy.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

struct ProceedCase {
  int64_t min_clock, clock;
  uint32_t staleness;
  bool may_proceed;
};

TEST(StalenessPolicyTest, MayProceedTable) {
  const ProceedCase cases[] = {
      // Synchronous: everyone must have reached my clock.
      {0, 1, 0, false},
      {1, 1, 0, true},
      {2, 1, 0, true},
      // Bounded staleness s: the slowest may lag s clocks behind.
      {0, 1, 1, true},
      {0, 2, 1, false},
      {3, 5, 2, true},
      {2, 5, 2, false},
      {0, 0, 0, true},
  };
  for (const ProceedCase& c : cases) {
    EXPECT_EQ(StalenessPolicy::MayProceed(c.min_clock, c.clock, c.staleness),
              c.may_proceed)
        << "min " << c.min_clock << " clock " << c.clock << " s "
        << c.staleness;
  }
}

TEST(StalenessPolicyTest, MayServeTable) {
  const struct {
    int64_t min_clock, required;
    bool serve;
  } cases[] = {{0, 0, true}, {0, 1, false}, {5, 4, true},
               {5, 5, true}, {4, 5, false}, {0, -3, true}};
  for (const auto& c : cases) {
    EXPECT_EQ(StalenessPolicy::MayServe(c.min_clock, c.required), c.serve)
        << c.min_clock << " " << c.required;
  }
}

TEST(StalenessPolicyTest, CheckAdvanceTable) {
  const struct {
    int64_t recorded, requested;
    absl::StatusCode code;
  } cases[] = {
      {0, 1, absl::StatusCode::kOk},
      {3, 3, absl::StatusCode::kOk},  // a repeat is harmless
      {3, 9, absl::StatusCode::kOk},  // jumps are allowed
      {3, 2, absl::StatusCode::kFailedPrecondition},
      {0, -1, absl::StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(StalenessPolicy::CheckAdvance(0, c.recorded, c.requested).code(),
              c.code)
        << c.recorded << " -> " << c.requested;
  }
}

}  // namespace
}  // namespace tailor
