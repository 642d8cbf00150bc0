#include "parameter_server/ps_types.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_error.h"
#include "tailor/v1/common.pb.h"

namespace tailor {
namespace {

TEST(PsTypesTest, WireLimitsAgreeWithTheProto) {
  EXPECT_EQ(kMaxChunkPayloadBytes, v1::WIRE_LIMIT_MAX_CHUNK_PAYLOAD_BYTES);
  EXPECT_EQ(kMaxChunkDoubles, v1::WIRE_LIMIT_MAX_CHUNK_DOUBLES);
  EXPECT_EQ(kMaxRequestKeys, v1::WIRE_LIMIT_MAX_REQUEST_KEYS);
  EXPECT_EQ(kMaxTableDim, v1::WIRE_LIMIT_MAX_TABLE_DIM);
  EXPECT_EQ(kMaxTableNameBytes, v1::WIRE_LIMIT_MAX_TABLE_NAME_BYTES);
  EXPECT_EQ(MaxRowsPerChunk(64), 3971);  // docs/protocols.md table
  EXPECT_EQ(MaxRowsPerChunk(1), 87381);
  EXPECT_EQ(MaxRowsPerChunk(4096), 63);
}

TableSpec Spec(std::string name, int dim) {
  TableSpec s;
  s.name = std::move(name);
  s.dim = dim;
  s.init.kind = InitializerSpec::Kind::kNormal;
  s.init.stddev = 0.1f;
  return s;
}

TEST(PsTypesTest, ValidSpecPasses) {
  TAILOR_EXPECT_OK(ValidateTableSpec(Spec("item_factors_2", 64)));
}

TEST(PsTypesTest, BadNamesAreRefusedWithReason) {
  for (const std::string& name : {std::string(""), std::string("Items"),
                                  std::string("a-b"), std::string(65, 'a')}) {
    absl::Status s = ValidateTableSpec(Spec(name, 8));
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    ASSERT_TRUE(GetErrorInfo(s).has_value());
    EXPECT_EQ(GetErrorInfo(s)->reason(), v1::ERROR_REASON_BAD_NAME);
  }
}

TEST(PsTypesTest, DimOutOfRangeIsRefused) {
  EXPECT_THAT(ValidateTableSpec(Spec("t", 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       testing::HasSubstr("dim 0")));
  EXPECT_THAT(ValidateTableSpec(Spec("t", 4097)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  TAILOR_EXPECT_OK(ValidateTableSpec(Spec("t", 4096)));
}

TEST(PsTypesTest, InitializerParametersAreChecked) {
  TableSpec s = Spec("t", 4);
  s.init.stddev = 0;
  EXPECT_THAT(ValidateTableSpec(s),
              StatusIs(absl::StatusCode::kInvalidArgument));
  s.init.kind = InitializerSpec::Kind::kUniform;
  s.init.low = 1;
  s.init.high = 1;
  EXPECT_THAT(ValidateTableSpec(s),
              StatusIs(absl::StatusCode::kInvalidArgument));
  s.init.kind = static_cast<InitializerSpec::Kind>(0);
  EXPECT_THAT(ValidateTableSpec(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                             testing::HasSubstr("not set")));
}

TEST(PsTypesTest, InitializerEqualityIgnoresUnusedFields) {
  InitializerSpec a, b;
  a.kind = b.kind = InitializerSpec::Kind::kZeros;
  a.mean = 3;  // unused by zeros
  EXPECT_EQ(a, b);
  b.seed = 1;
  EXPECT_NE(a, b);
}

TEST(PsTypesTest, OptimizerValidation) {
  OptimizerConfig c;
  EXPECT_THAT(ValidateOptimizer(c),
              StatusIs(absl::StatusCode::kInvalidArgument));
  c.kind = OptimizerConfig::Kind::kSgd;
  c.learning_rate = 0.1f;
  TAILOR_EXPECT_OK(ValidateOptimizer(c));
  c.l2 = -1;
  EXPECT_THAT(ValidateOptimizer(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                             testing::HasSubstr("l2")));
}

}  // namespace
}  // namespace tailor
