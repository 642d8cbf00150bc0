#include "ranker/engine/experiments_config.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/key_hash.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;

constexpr char kFiftyFifty[] = R"({"experiments": [{
  "name": "blend", "model": "retail", "salt": "s1",
  "arms": [
    {"name": "control", "label": "stable", "buckets": [[0, 5000]]},
    {"name": "treatment", "version": 7, "buckets": [[5000, 10000]]}
  ]}]})";

TEST(ExperimentsConfigTest, BucketIsSipHashOfLengthPrefixedSaltAndUnit) {
  // The documented definition, computed independently.
  std::string data = std::string("\x02\0\0\0\0\0\0\0", 8) + "s1" + "user-42";
  EXPECT_EQ(ExperimentBucket("s1", "user-42"),
            static_cast<int>(SipHash24(SipHashKey{}, data) % 10000));
  // The length prefix separates salt from unit.
  EXPECT_NE(ExperimentBucket("ab", "c"), ExperimentBucket("a", "bc"));
}

TEST(ExperimentsConfigTest, FiftyFiftySplitWithinOnePercentAndSticky) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ExperimentsConfig c,
                              ExperimentsConfig::Parse(kFiftyFifty, "x.json"));
  const Experiment* x = c.ForModel("retail");
  ASSERT_NE(x, nullptr);
  constexpr int kUnits = 100000;
  std::map<std::string, int> counts;
  for (int i = 0; i < kUnits; ++i) {
    const std::string unit = absl::StrCat("user-", i);
    const ExperimentArm* arm = x->Assign(unit);
    ASSERT_NE(arm, nullptr);
    ++counts[arm->name];
    if (i % 97 == 0) {
      EXPECT_EQ(x->Assign(unit), arm) << unit;  // sticky
    }
  }
  ASSERT_EQ(counts.size(), 2u);
  for (const auto& [name, n] : counts) {
    EXPECT_NEAR(n, kUnits / 2, kUnits / 100) << name;
  }
}

TEST(ExperimentsConfigTest, ReparsedConfigAssignsTheSameArms) {
  TAILOR_ASSERT_OK_AND_ASSIGN(ExperimentsConfig a,
                              ExperimentsConfig::Parse(kFiftyFifty, "x.json"));
  TAILOR_ASSERT_OK_AND_ASSIGN(ExperimentsConfig b,
                              ExperimentsConfig::Parse(kFiftyFifty, "x.json"));
  for (int i = 0; i < 1000; ++i) {
    const std::string unit = absl::StrCat("u", i);
    EXPECT_EQ(a.ForModel("retail")->Assign(unit)->name,
              b.ForModel("retail")->Assign(unit)->name);
  }
}

TEST(ExperimentsConfigTest, SaltsAreIndependent) {
  int same = 0;
  constexpr int kUnits = 20000;
  for (int i = 0; i < kUnits; ++i) {
    const std::string unit = absl::StrCat("user-", i);
    same += (ExperimentBucket("s1", unit) < 5000) ==
            (ExperimentBucket("s2", unit) < 5000);
  }
  EXPECT_NEAR(same, kUnits / 2, kUnits / 50);
}

TEST(ExperimentsConfigTest, UnassignedBucketsGiveNoArm) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ExperimentsConfig c,
      ExperimentsConfig::Parse(
          R"({"experiments": [{"name": "e", "model": "m", "salt": "s",
              "arms": [{"name": "a", "version": 1,
                        "buckets": [[0, 1000], [2000, 2500]]}]}]})",
          "x.json"));
  const Experiment* x = c.ForModel("m");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(c.ForModel("other"), nullptr);
  int assigned = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string unit = absl::StrCat(i);
    const int bucket = ExperimentBucket("s", unit);
    const bool in_arm = (bucket < 1000) || (bucket >= 2000 && bucket < 2500);
    EXPECT_EQ(x->Assign(unit) != nullptr, in_arm);
    assigned += in_arm;
  }
  EXPECT_NEAR(assigned, 3000, 400);
}

TEST(ExperimentsConfigTest, RejectsBadConfigsNamingTheProblem) {
  auto one = [](const std::string& arms) {
    return absl::StrCat(
        R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": )",
        arms, "}]}");
  };
  const std::pair<std::string, std::string> cases[] = {
      {"nope", "not valid JSON"},
      {R"({"experiment": []})", "unknown key 'experiment'"},
      {R"({"experiments": [{"model": "m", "salt": "s", "arms": []}]})",
       "'name'"},
      {R"({"experiments": [{"name": "e", "model": "m", "arms": []}]})",
       "'salt'"},
      {one("[]"), "'arms' must be a non-empty array"},
      {one(R"([{"name": "a", "buckets": [[0, 1]]}])"),
       "exactly one of 'version' and 'label'"},
      {one(R"([{"name": "a", "version": 1, "label": "x", "buckets": [[0, 1]]}])"),
       "exactly one of 'version' and 'label'"},
      {one(R"([{"name": "a", "version": 0, "buckets": [[0, 1]]}])"),
       "'version' must be an integer >= 1"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[5, 5]]}])"),
       "0 <= begin < end <= 10000"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[0, 10001]]}])"),
       "0 <= begin < end <= 10000"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[0, 10, 20]]}])"),
       "is not [begin, end)"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[0, 100]]},
               {"name": "b", "version": 2, "buckets": [[50, 150]]}])"),
       "bucket 50 is already assigned to arm 'a'"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[0, 1]]},
               {"name": "a", "version": 2, "buckets": [[1, 2]]}])"),
       "duplicate arm name"},
      {one(R"([{"name": "a", "version": 1, "buckets": [[0, 1]], "x": 1}])"),
       "unknown key 'x'"},
      {R"({"experiments": [
           {"name": "e", "model": "m", "salt": "s",
            "arms": [{"name": "a", "version": 1, "buckets": [[0, 1]]}]},
           {"name": "f", "model": "m", "salt": "t",
            "arms": [{"name": "a", "version": 1, "buckets": [[0, 1]]}]}]})",
       "model 'm' already has an experiment"},
  };
  for (const auto& [text, what] : cases) {
    EXPECT_THAT(ExperimentsConfig::Parse(text, "x.json"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("x.json"), HasSubstr(what))))
        << text;
  }
}

}  // namespace
}  // namespace tailor::ranker
