#include "parameter_server/update_rule.h"

#include <cmath>
#include <vector>

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

std::unique_ptr<UpdateRule> Rule(PushOp op, OptimizerConfig c = {}) {
  auto rule = MakeUpdateRule(op, c);
  EXPECT_TRUE(rule.ok()) << rule.status();
  return rule.ok() ? *std::move(rule) : nullptr;
}

TEST(UpdateRuleTest, AssignOverwrites) {
  auto rule = Rule(PushOp::kAssign);
  EXPECT_TRUE(rule->OverwritesRow());
  std::vector<float> row = {1, 2}, value = {5, -6};
  rule->Apply(value.data(), row.data(), nullptr, 2);
  EXPECT_EQ(row, value);
}

TEST(UpdateRuleTest, AddAccumulates) {
  auto rule = Rule(PushOp::kAdd);
  EXPECT_FALSE(rule->OverwritesRow());
  std::vector<float> row = {1, 2}, value = {0.5f, -3};
  rule->Apply(value.data(), row.data(), nullptr, 2);
  EXPECT_EQ(row, (std::vector<float>{1.5f, -1}));
}

TEST(UpdateRuleTest, SgdStepWithL2) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::Kind::kSgd;
  c.learning_rate = 0.5f;
  c.l2 = 0.25f;
  auto rule = Rule(PushOp::kOptimizerStep, c);
  EXPECT_EQ(rule->InitialAccumulator(), 0.0f);
  std::vector<float> row = {2, -4}, g = {1, 1};
  rule->Apply(g.data(), row.data(), nullptr, 2);
  // row -= 0.5 * (g + 0.25 * row)
  EXPECT_FLOAT_EQ(row[0], 2 - 0.5f * (1 + 0.5f));
  EXPECT_FLOAT_EQ(row[1], -4 - 0.5f * (1 - 1));
}

TEST(UpdateRuleTest, AdaGradStepKeepsAccumulator) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::Kind::kAdaGrad;
  c.learning_rate = 0.1f;
  auto rule = Rule(PushOp::kOptimizerStep, c);
  EXPECT_FLOAT_EQ(rule->InitialAccumulator(), 0.1f);  // documented default
  std::vector<float> row = {1}, acc = {0.1f}, g = {2};
  rule->Apply(g.data(), row.data(), acc.data(), 1);
  EXPECT_FLOAT_EQ(acc[0], 4.1f);
  EXPECT_NEAR(row[0], 1 - 0.1 * 2 / (std::sqrt(4.1) + 1e-8), 1e-6);
  rule->Apply(g.data(), row.data(), acc.data(), 1);
  EXPECT_FLOAT_EQ(acc[0], 8.1f);
}

TEST(UpdateRuleTest, BadOptimizerOrOpIsRefused) {
  OptimizerConfig c;
  c.kind = OptimizerConfig::Kind::kSgd;
  c.learning_rate = -1;
  EXPECT_THAT(MakeUpdateRule(PushOp::kOptimizerStep, c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("learning_rate")));
  EXPECT_THAT(MakeUpdateRule(static_cast<PushOp>(0), c),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The optimizer is ignored by the other ops.
  TAILOR_EXPECT_OK(MakeUpdateRule(PushOp::kAdd, c));
}

}  // namespace
}  // namespace tailor
