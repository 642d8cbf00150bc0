#include "ranker/engine/version_policy.h"

#include <string>
#include <vector>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::ElementsAreArray;

struct PlanCase {
  std::string name;
  VersionPolicy policy;
  bool unload_first;
  VersionState state;
  std::set<int64_t> aspired;
  std::vector<int64_t> to_load;
  std::vector<int64_t> to_unload;
};

TEST(VersionPolicyTest, PlansFollowTheRules) {
  const VersionPolicy latest1 = VersionPolicy::Latest(1);
  const VersionPolicy latest2 = VersionPolicy::Latest(2);
  const std::vector<PlanCase> cases = {
      {"empty", latest1, false, {}, {}, {}, {}},
      {"first load", latest1, false, {{1, 2}, {}, {}, {}}, {2}, {2}, {}},
      {"latest 2 loads two, newest first",
       latest2,
       false,
       {{1, 2, 3}, {}, {}, {}},
       {2, 3},
       {3, 2},
       {}},
      {"new version: old keeps serving while it loads",
       latest1,
       false,
       {{1, 2}, {}, {1}, {}},
       {2},
       {2},
       {}},
      {"new version loaded: old unloads",
       latest1,
       false,
       {{1, 2}, {}, {1, 2}, {}},
       {2},
       {},
       {1}},
      {"unload first: old unloads before the new loads",
       latest1,
       true,
       {{1, 2}, {}, {1}, {}},
       {2},
       {2},
       {1}},
      {"failed newest: fall back to the good one",
       latest1,
       false,
       {{1, 2}, {2}, {1}, {}},
       {1},
       {},
       {}},
      {"failed newest after unload first: reload the old one",
       latest1,
       true,
       {{1, 2}, {2}, {}, {}},
       {1},
       {1},
       {}},
      {"latest 2 skips a failed version",
       latest2,
       false,
       {{1, 2, 3}, {3}, {2}, {}},
       {1, 2},
       {1},
       {}},
      {"last good version deleted from disk stays",
       latest1,
       false,
       {{2}, {2}, {1}, {}},
       {},
       {},
       {}},
      {"last good version stays in unload-first mode too",
       latest1,
       true,
       {{}, {}, {1, 3}, {}},
       {},
       {},
       {1}},
      {"pinned version is kept",
       latest1,
       false,
       {{1, 2, 3}, {}, {1, 3}, {1}},
       {1, 3},
       {},
       {}},
      {"pinned version is loaded",
       latest1,
       false,
       {{1, 2, 3}, {}, {3}, {2}},
       {2, 3},
       {2},
       {}},
      {"pinned but missing version is ignored",
       latest1,
       false,
       {{3}, {}, {3}, {7}},
       {3},
       {},
       {}},
      {"specific versions",
       VersionPolicy::Specific({2, 4, 9}),
       false,
       {{1, 2, 3, 4}, {}, {1, 2}, {}},
       {2, 4},
       {4},
       {}},
      {"specific versions loaded: others unload",
       VersionPolicy::Specific({2, 4}),
       false,
       {{1, 2, 3, 4}, {}, {1, 2, 4}, {}},
       {2, 4},
       {},
       {1}},
  };
  for (const PlanCase& c : cases) {
    SCOPED_TRACE(c.name);
    VersionPlan plan = PlanVersions(c.policy, c.state, c.unload_first);
    EXPECT_EQ(plan.aspired, c.aspired);
    EXPECT_THAT(plan.to_load, ElementsAreArray(c.to_load));
    EXPECT_THAT(plan.to_unload, ElementsAreArray(c.to_unload));
  }
}

TEST(VersionPolicyTest, ParsesAndFormats) {
  for (const std::string text : {"latest:1", "latest:3", "versions:2,5"}) {
    TAILOR_ASSERT_OK_AND_ASSIGN(VersionPolicy p, ParseVersionPolicy(text));
    EXPECT_EQ(FormatVersionPolicy(p), text);
  }
  TAILOR_ASSERT_OK_AND_ASSIGN(VersionPolicy p, ParseVersionPolicy("latest"));
  EXPECT_EQ(p.latest_count, 1);
}

TEST(VersionPolicyTest, RejectsBadText) {
  for (const std::string text :
       {"", "latest:0", "latest:x", "versions:", "versions:1,-2", "newest"}) {
    EXPECT_THAT(ParseVersionPolicy(text),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::HasSubstr("version policy")))
        << text;
  }
}

}  // namespace
}  // namespace tailor::ranker
