#include "trainer/protocol/protocol_split.h"

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/protocol/test_data.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TEST(ProtocolSplitTest, ParsesEveryNameAndRejectsOthers) {
  for (const char* name : {"surprise_cv", "ms_stratified", "leave_one_out",
                           "strong", "temporal"}) {
    TAILOR_ASSERT_OK_AND_ASSIGN(Protocol p, ParseProtocol(name));
    EXPECT_STREQ(ProtocolName(p), name);
  }
  absl::StatusOr<Protocol> bad = ParseProtocol("kfold");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown protocol 'kfold'"));
}

TEST(ProtocolSplitTest, SurpriseCvMakesFiveFoldsCoveringEveryEntryOnce) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kSurpriseCv;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit s, MakeProtocolSplit(data.matrix, data.timestamps, o));
  ASSERT_EQ(s.folds.size(), 5u);
  int64_t test_total = 0;
  for (const EvalFold& f : s.folds) {
    EXPECT_EQ(f.train.nnz() + f.test.nnz(), data.matrix.nnz());
    test_total += f.test.nnz();
  }
  EXPECT_EQ(test_total, data.matrix.nnz());
}

TEST(ProtocolSplitTest, LeaveOneOutHoldsOneEntryAndNegativesPerUser) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kLeaveOneOut;
  o.negatives = 20;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit s, MakeProtocolSplit(data.matrix, data.timestamps, o));
  ASSERT_EQ(s.folds.size(), 1u);
  const EvalFold& f = s.folds[0];
  for (int64_t u = 0; u < f.test.rows; ++u) {
    EXPECT_EQ(f.test.RowSize(u), 1);
    EXPECT_EQ(f.negatives.RowSize(u), 20);
  }
}

TEST(ProtocolSplitTest, StrongHoldsOutTenPercentOfUsersByDefault) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kStrong;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit s, MakeProtocolSplit(data.matrix, data.timestamps, o));
  EXPECT_EQ(s.options.heldout_users, 12);
  const EvalFold& f = s.folds[0];
  int64_t with_fold_in = 0;
  for (int64_t u = 0; u < f.fold_in.rows; ++u) {
    if (f.fold_in.RowSize(u) > 0) {
      ++with_fold_in;
      EXPECT_EQ(f.train.RowSize(u), 0);
    }
  }
  EXPECT_EQ(with_fold_in, 12);
  EXPECT_GT(f.test.nnz(), 0);
}

TEST(ProtocolSplitTest, TemporalDefaultsToTheEightyPercentQuantile) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kTemporal;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit s, MakeProtocolSplit(data.matrix, data.timestamps, o));
  EXPECT_GT(s.options.cutoff, 0);
  const double share = static_cast<double>(s.folds[0].train.nnz()) /
                       static_cast<double>(data.matrix.nnz());
  EXPECT_NEAR(share, 0.8, 0.02);
  const TemporalParts parts =
      SplitTemporalTest(s.folds[0].train, s.folds[0].test);
  EXPECT_EQ(parts.warm.nnz() + parts.new_users.nnz() + parts.new_items.nnz(),
            s.folds[0].test.nnz());
  EXPECT_GT(parts.num_new_users, 0);
}

TEST(ProtocolSplitTest, TemporalPartsSeparateNewUsersAndItems) {
  // train: user 0 has item 0. test: user 0 item 0 (warm), user 0 item 1
  // (new item), user 1 item 0 (new user).
  CsrMatrix train{2, 2, {0, 1, 1}, {0}, {1}};
  CsrMatrix test{2, 2, {0, 2, 3}, {0, 1, 0}, {1, 1, 1}};
  const TemporalParts p = SplitTemporalTest(train, test);
  EXPECT_EQ(p.warm.nnz(), 1);
  EXPECT_EQ(p.new_items.nnz(), 1);
  EXPECT_EQ(p.new_users.nnz(), 1);
  EXPECT_EQ(p.num_new_users, 1);
  EXPECT_EQ(p.num_new_items, 1);
}

TEST(ProtocolSplitTest, BadOptionsAndEmptyDataAreClearErrors) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.k = 0;
  absl::Status s = MakeProtocolSplit(data.matrix, data.timestamps, o).status();
  EXPECT_THAT(s.message(), HasSubstr("k must be >= 1, got 0"));
  o.k = 10;
  CsrMatrix empty;
  empty.rows = 3;
  empty.cols = 4;
  empty.indptr = {0, 0, 0, 0};
  s = MakeProtocolSplit(empty, {}, o).status();
  EXPECT_THAT(s.message(), HasSubstr("no interactions"));
  o.protocol = Protocol::kTemporal;
  s = MakeProtocolSplit(data.matrix, {}, o).status();
  EXPECT_THAT(s.message(), HasSubstr("needs timestamps"));
}

TEST(ProtocolSplitTest, SameSeedSameSplit) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit a, MakeProtocolSplit(data.matrix, data.timestamps, o));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit b, MakeProtocolSplit(data.matrix, data.timestamps, o));
  EXPECT_EQ(a.folds[0].test.indices, b.folds[0].test.indices);
  o.seed = 43;
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ProtocolSplit c, MakeProtocolSplit(data.matrix, data.timestamps, o));
  EXPECT_NE(a.folds[0].test.indices, c.folds[0].test.indices);
}

}  // namespace
}  // namespace tailor
