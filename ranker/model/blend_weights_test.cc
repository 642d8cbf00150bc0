#include "ranker/model/blend_weights.h"

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

TEST(BlendWeightsTest, JsonRoundTripAndBlend) {
  BlendWeights b;
  b.weights = {0.5f, 1.0f, 0.0f, 2.0f, -1.0f};
  b.method = "coordinate ascent";
  b.fold_in_alpha = 3;
  auto back = BlendFromJson(BlendToJson(b), "blend.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->weights, b.weights);
  EXPECT_EQ(back->method, b.method);
  EXPECT_EQ(back->fold_in_alpha, 3);
  EXPECT_FLOAT_EQ(back->Blend({1, 1, 1, 1, 1}), 2.5f);
}

TEST(BlendWeightsTest, MissingWeightOrWrongVersionIsDataLoss) {
  nlohmann::json j = BlendToJson(BlendWeights());
  j["weights"].erase("context");
  auto s = BlendFromJson(j, "blend.json").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("context"), std::string::npos);
  j = BlendToJson(BlendWeights());
  j["format_version"] = 99;
  EXPECT_EQ(BlendFromJson(j, "b").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace tailor::ranker
