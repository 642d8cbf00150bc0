#include "ranker/engine/labels_config.h"

#include <string>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;

TEST(LabelsConfigTest, ParsesLabels) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      LabelsConfig c,
      LabelsConfig::Parse(
          R"({"models": {"retail": {"stable": 3, "canary": 4}, "m2": {}}})",
          "labels.json"));
  EXPECT_EQ(c.Find("retail", "stable"), 3);
  EXPECT_EQ(c.Find("retail", "canary"), 4);
  EXPECT_EQ(c.Find("retail", "beta"), std::nullopt);
  EXPECT_EQ(c.Find("other", "stable"), std::nullopt);
  EXPECT_EQ(c.LabelsOf("retail").size(), 2u);
  EXPECT_TRUE(c.LabelsOf("nope").empty());
}

TEST(LabelsConfigTest, EmptyObjectIsNoLabels) {
  TAILOR_ASSERT_OK_AND_ASSIGN(LabelsConfig c, LabelsConfig::Parse("{}", "x"));
  EXPECT_TRUE(c.models().empty());
}

TEST(LabelsConfigTest, RejectsBadConfigsNamingTheProblem) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", "not valid JSON"},
      {"[]", "top level"},
      {R"({"model": {}})", "unknown key 'model'"},
      {R"({"models": []})", "'models' must be an object"},
      {R"({"models": {"r": 3}})", "models.r must be an object"},
      {R"({"models": {"r": {"stable": 0}}})", "models.r.stable"},
      {R"({"models": {"r": {"stable": "3"}}})", "models.r.stable"},
      {R"({"models": {"r": {"stable": 1.5}}})", "models.r.stable"},
      {R"({"models": {"r": {"bad label": 1}}})", "label 'bad label'"},
  };
  for (const auto& [text, what] : cases) {
    EXPECT_THAT(LabelsConfig::Parse(text, "labels.json"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("labels.json"), HasSubstr(what))))
        << text;
  }
}

}  // namespace
}  // namespace tailor::ranker
