#include "parameter_server/request_checks.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/ps_types.h"

namespace tailor {
namespace {

v1::ErrorInfo Info(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  EXPECT_TRUE(info.has_value()) << s;
  return info.value_or(v1::ErrorInfo());
}

TEST(RequestChecksTest, AscendingKeysPass) {
  TAILOR_EXPECT_OK(
      CheckKeysAscending(std::vector<uint64_t>{1, 2, 9}, 0, "Pull", "keys", 0));
  TAILOR_EXPECT_OK(CheckKeysAscending({}, std::nullopt, "Pull", "keys", 0));
}

TEST(RequestChecksTest, UnsortedKeysNameTheFirstOffender) {
  absl::Status s =
      CheckKeysAscending(std::vector<uint64_t>{1, 5, 3, 2}, std::nullopt,
                         "Push to table 't'", "block.keys", 100);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          testing::StartsWith("Push to table 't': keys not "
                                              "strictly ascending at index "
                                              "102")));
  EXPECT_EQ(Info(s).reason(), v1::ERROR_REASON_UNSORTED_KEYS);
  EXPECT_EQ(Info(s).index(), 102);
  EXPECT_EQ(Info(s).key(), 3u);
}

TEST(RequestChecksTest, DuplicatesHaveTheirOwnReason) {
  absl::Status s = CheckKeysAscending(std::vector<uint64_t>{4, 4}, std::nullopt,
                                      "Pull", "keys", 0);
  EXPECT_EQ(Info(s).reason(), v1::ERROR_REASON_DUPLICATE_KEYS);
  EXPECT_EQ(Info(s).index(), 1);
}

TEST(RequestChecksTest, KeysMustAscendAcrossChunks) {
  absl::Status s = CheckKeysAscending(std::vector<uint64_t>{7, 8}, uint64_t{7},
                                      "Push", "block.keys", 10);
  EXPECT_EQ(Info(s).reason(), v1::ERROR_REASON_DUPLICATE_KEYS);
  EXPECT_EQ(Info(s).index(), 10);
}

TEST(RequestChecksTest, RowBlockShape) {
  std::vector<float> v(6, 1.0f);
  TAILOR_EXPECT_OK(CheckRowBlock(3, 3, 2, v, "Push"));
  EXPECT_EQ(Info(CheckRowBlock(3, 2, 3, v, "Push")).reason(),
            v1::ERROR_REASON_SHAPE_MISMATCH);
  EXPECT_EQ(Info(CheckRowBlock(3, 3, 3, v, "Push")).reason(),
            v1::ERROR_REASON_SHAPE_MISMATCH);
}

TEST(RequestChecksTest, NonFiniteValuesAreRefused) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> v(8, 0.5f);
    v[5] = bad;
    absl::Status s = CheckRowBlock(4, 4, 2, v, "Push");
    EXPECT_EQ(Info(s).reason(), v1::ERROR_REASON_NON_FINITE_VALUE);
    EXPECT_EQ(Info(s).index(), 5);
    EXPECT_THAT(s.message(), testing::HasSubstr("row 1, column 1"));
  }
}

TEST(RequestChecksTest, ChunkLimits) {
  const int dim = 64;
  const size_t max_rows = MaxRowsPerChunk(dim);
  std::vector<float> v((max_rows + 1) * dim, 0.0f);
  TAILOR_EXPECT_OK(CheckRowBlock(
      dim, dim, max_rows, absl::MakeConstSpan(v.data(), max_rows * dim), "P"));
  EXPECT_EQ(Info(CheckRowBlock(dim, dim, max_rows + 1, v, "P")).reason(),
            v1::ERROR_REASON_CHUNK_TOO_LARGE);
  TAILOR_EXPECT_OK(CheckRequestKeyCount(kMaxRequestKeys, "Pull"));
  EXPECT_EQ(Info(CheckRequestKeyCount(kMaxRequestKeys + 1, "Pull")).reason(),
            v1::ERROR_REASON_CHUNK_TOO_LARGE);
}

}  // namespace
}  // namespace tailor
