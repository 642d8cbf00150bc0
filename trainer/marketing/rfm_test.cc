#include "trainer/marketing/rfm.h"

#include <cmath>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(QuintileScoresTest, TenDistinctValuesTwoPerQuintile) {
  const std::vector<double> v = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  EXPECT_EQ(QuintileScores(v, true),
            (std::vector<uint8_t>{5, 5, 4, 4, 3, 3, 2, 2, 1, 1}));
  EXPECT_EQ(QuintileScores(v, false),
            (std::vector<uint8_t>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}));
}

TEST(QuintileScoresTest, TiesShareTheScoreOfTheFirstOccurrence) {
  // Six ones take ranks 0..5 of 10; all score 1; the 2 at rank 6 scores 4.
  const std::vector<double> v = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5};
  EXPECT_EQ(QuintileScores(v, true),
            (std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 4, 4, 5, 5}));
}

TEST(QuintileScoresTest, NanIsUnscored) {
  const std::vector<double> v = {NAN, 3, NAN, 1};
  EXPECT_EQ(QuintileScores(v, true),
            (std::vector<uint8_t>{0, 3, 0, 1}));  // 1 + floor(5 * 1 / 2)
}

TEST(RfmSegmentTest, EveryScorePairHasOneNamedSegment) {
  std::set<RfmSegment> seen;
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      const RfmSegment s = ClassifyRfm(r, f);
      EXPECT_NE(s, RfmSegment::kUnscored);
      seen.insert(s);
    }
  }
  EXPECT_EQ(seen.size(), kRfmSegmentCount - 1u);  // every named one is used
}

TEST(RfmSegmentTest, RuleTable) {
  EXPECT_EQ(ClassifyRfm(5, 5), RfmSegment::kChampions);
  EXPECT_EQ(ClassifyRfm(3, 4), RfmSegment::kLoyal);
  EXPECT_EQ(ClassifyRfm(5, 1), RfmSegment::kNewCustomers);
  EXPECT_EQ(ClassifyRfm(1, 5), RfmSegment::kCannotLoseThem);
  EXPECT_EQ(ClassifyRfm(2, 3), RfmSegment::kAtRisk);
  EXPECT_EQ(ClassifyRfm(2, 1), RfmSegment::kHibernating);
  EXPECT_EQ(ClassifyRfm(1, 1), RfmSegment::kLost);
  EXPECT_EQ(ClassifyRfm(0, 3), RfmSegment::kUnscored);
  EXPECT_EQ(RfmSegmentName(RfmSegment::kAtRisk), "At risk");
}

}  // namespace
}  // namespace tailor
