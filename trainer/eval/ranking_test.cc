#include "trainer/eval/ranking.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::MakeCsr;

constexpr float kInf = std::numeric_limits<float>::infinity();

// Every user gets the same scores: item 2 is excluded (train) for user 0
// only, item 4 scores -inf; items 1 and 3 tie (lower index first).
BatchScorer FixedScorer() {
  return [](absl::Span<const uint32_t> users, absl::Span<float> scores) {
    const float row[5] = {0.1f, 0.9f, 0.5f, 0.9f, -kInf};
    for (size_t u = 0; u < users.size(); ++u) {
      for (int i = 0; i < 5; ++i) scores[u * 5 + i] = row[i];
    }
    return absl::OkStatus();
  };
}

TEST(RecommendTopKTest, ExcludesTrainAndBreaksTiesByIndex) {
  const CsrMatrix train = MakeCsr(2, 5, {{0, 2, 1}});
  TopKOptions options;
  options.k = 5;
  options.batch_users = 1;  // two scorer calls
  options.exclude = &train;
  const std::vector<uint32_t> users = {0, 1};
  absl::StatusOr<TopKLists> lists =
      RecommendTopK(FixedScorer(), 5, users, options);
  ASSERT_TRUE(lists.ok()) << lists.status();
  EXPECT_EQ(
      std::vector<uint32_t>(lists->items.begin(), lists->items.begin() + 5),
      (std::vector<uint32_t>{1, 3, 0, kNoItem, kNoItem}));
  EXPECT_EQ(std::vector<uint32_t>(lists->items.begin() + 5, lists->items.end()),
            (std::vector<uint32_t>{1, 3, 2, 0, kNoItem}));
  EXPECT_FLOAT_EQ(lists->scores[2], 0.1f);
}

TEST(RecommendTopKTest, NanIsAnError) {
  BatchScorer scorer = [](absl::Span<const uint32_t>,
                          absl::Span<float> scores) {
    scores[1] = std::nanf("");
    return absl::OkStatus();
  };
  const std::vector<uint32_t> users = {7};
  absl::StatusOr<TopKLists> lists = RecommendTopK(scorer, 3, users, {});
  ASSERT_FALSE(lists.ok());
  EXPECT_NE(lists.status().message().find("user 7 item 1"), std::string::npos);
}

TEST(RecommendTopKTest, KZeroIsAnError) {
  TopKOptions options;
  options.k = 0;
  const std::vector<uint32_t> users = {0};
  EXPECT_FALSE(RecommendTopK(FixedScorer(), 5, users, options).ok());
}

TEST(RecommendTopKTest, ScorerErrorPassesThrough) {
  BatchScorer scorer = [](absl::Span<const uint32_t>, absl::Span<float>) {
    return absl::InternalError("model broke");
  };
  const std::vector<uint32_t> users = {0};
  absl::StatusOr<TopKLists> lists = RecommendTopK(scorer, 5, users, {});
  EXPECT_EQ(lists.status().code(), absl::StatusCode::kInternal);
}

TEST(UsersWithEntriesTest, ListsNonEmptyRows) {
  const CsrMatrix m = MakeCsr(4, 2, {{1, 0, 1}, {3, 1, 1}});
  EXPECT_EQ(UsersWithEntries(m), (std::vector<uint32_t>{1, 3}));
}

}  // namespace
}  // namespace tailor
