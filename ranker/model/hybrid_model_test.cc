// Behaviour of the hybrid Servable on the hand-made model of test_model.h.
#include "ranker/model/hybrid_model.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ranker/model/test_model.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

std::unique_ptr<HybridModel> Model() {
  auto m = HybridModel::Create(MakeTestModelData());
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(*m);
}

RankResponse MustRank(const HybridModel& m, const RankRequest& r) {
  auto out = m.Rank(r, RankCall{});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : RankResponse();
}

std::vector<std::string> Ids(const RankResponse& r) {
  std::vector<std::string> ids;
  for (const auto& i : r.items()) ids.push_back(i.item_id());
  return ids;
}

TEST(HybridModelTest, KnownUserGetsTheirCategoryFirst) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  r.set_count(4);
  const RankResponse out = MustRank(*m, r);
  EXPECT_FALSE(out.cold_start());
  EXPECT_EQ(out.user_segment(), "red lovers");
  const std::vector<std::string> list = Ids(out);
  const std::set<std::string> ids(list.begin(), list.end());
  EXPECT_EQ(ids, (std::set<std::string>{"i0", "i1", "i2", "i3"}));
  EXPECT_EQ(out.items(0).reason(), tailor::v1::REASON_CODE_SIMILAR_USERS);
  for (int i = 1; i < out.items_size(); ++i) {
    EXPECT_GE(out.items(i - 1).score(), out.items(i).score());
  }
}

TEST(HybridModelTest, ExcludeSeenDropsTheHistory) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  r.set_count(8);
  r.mutable_filters()->set_exclude_seen(true);
  const std::vector<std::string> ids = Ids(MustRank(*m, r));
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i0"), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i1"), 0);
}

TEST(HybridModelTest, CategoryPriceAndIdFiltersHold) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  r.set_count(8);
  r.mutable_filters()->add_include_categories("blue");
  r.mutable_filters()->add_exclude_item_ids("i6");
  r.mutable_filters()->set_max_price(7.5);
  std::vector<std::string> ids = Ids(MustRank(*m, r));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"i4", "i5"}));
  r.mutable_filters()->Clear();
  r.mutable_filters()->add_exclude_categories("blue");
  r.mutable_filters()->set_min_price(2);
  r.mutable_filters()->add_exclude_item_keys(33);
  ids = Ids(MustRank(*m, r));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"i1", "i3"}));
}

TEST(HybridModelTest, AnonymousInCountryGetsThePopularInThatCountry) {
  auto m = Model();
  RankRequest r;
  r.mutable_context()->set_country("GB");
  r.set_count(3);
  RankResponse out = MustRank(*m, r);
  EXPECT_TRUE(out.cold_start());
  ASSERT_EQ(out.items_size(), 3);
  EXPECT_EQ(out.items(0).item_id(), "i5");
  EXPECT_EQ(out.items(0).reason(), tailor::v1::REASON_CODE_CONTEXT);
  r.clear_context();
  out = MustRank(*m, r);
  ASSERT_EQ(out.items_size(), 3);
  EXPECT_EQ(out.items(0).item_id(), "i7");
  EXPECT_EQ(out.items(0).reason(), tailor::v1::REASON_CODE_POPULAR);
}

TEST(HybridModelTest, UnknownUserIsFoldedInFromRecentInteractions) {
  auto m = Model();
  RankRequest r;
  r.set_user_id("somebody new");
  r.add_recent_interactions()->set_item_id("i5");
  r.add_recent_interactions()->set_item_key(66);  // i5 again
  r.set_count(3);
  r.set_explain(true);
  const RankResponse out = MustRank(*m, r);
  EXPECT_TRUE(out.cold_start());
  ASSERT_EQ(out.items_size(), 3);
  for (const auto& item : out.items()) {
    EXPECT_TRUE(item.item_id() == "i4" || item.item_id() == "i5" ||
                item.item_id() == "i6")
        << item.item_id();
    EXPECT_GT(item.components().cf(), 0.0f);
  }
}

TEST(HybridModelTest, ExplainedComponentsBlendToTheScore) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kBlueUser);
  r.set_count(8);
  r.set_explain(true);
  r.mutable_context()->set_country("GB");
  const RankResponse out = MustRank(*m, r);
  const BlendWeights& b = m->data().blend;
  for (const auto& item : out.items()) {
    const auto& c = item.components();
    const float total = b.Blend(
        {c.cf(), c.content(), c.segment(), c.context(), c.popularity()});
    EXPECT_NEAR(item.score(), total, 1e-5) << item.item_id();
    if (item.item_id() == "i7") EXPECT_EQ(c.cf(), 0.0f);  // no factors
  }
}

TEST(HybridModelTest, ItemWithoutFactorsGetsItsContentImputedCfAsContent) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kBlueUser);
  r.set_explain(true);
  r.add_candidate_item_ids("i7");
  const RankResponse out = MustRank(*m, r);
  ASSERT_EQ(out.items_size(), 1);
  // Profile = i4's vector; cos(i4, i7) = 0.5. i7's nearest items with
  // factors are i4..i6 (cosine 0.5 each): imputed factors (0, 0.9).
  EXPECT_EQ(out.items(0).components().cf(), 0.0f);
  EXPECT_NEAR(out.items(0).components().content(), 0.5f + 0.9f, 1e-5);
}

TEST(HybridModelTest, ItemWithoutEventsGetsItsNeighboursEventFeatures) {
  // i7 first sold after training: no factors and no events. Its neighbours
  // with factors are i4..i6 (weight 1/3 each).
  HybridModelData d = MakeTestModelData();
  d.popularity.item_events[7] = 0;
  d.popularity.max_item_events = 5;
  auto m = HybridModel::Create(std::move(d));
  ASSERT_TRUE(m.ok()) << m.status();
  RankRequest r;
  r.set_user_key(kBlueUser);
  r.set_explain(true);
  r.add_candidate_item_ids("i7");
  r.add_candidate_item_ids("i3");
  const RankResponse out = MustRank(**m, r);
  ASSERT_EQ(out.items_size(), 2);
  for (const auto& item : out.items()) {
    const auto& c = item.components();
    if (item.item_id() == "i7") {
      // Segment "blue lovers": lift 4 on i6; i4 and i5 no segment bought
      // (neutral, 0). Popularity: one event each of at most 5.
      EXPECT_NEAR(c.segment(), std::log(4.0f) / 3, 1e-5);
      EXPECT_NEAR(c.popularity(), std::log1p(1.0f) / std::log1p(5.0f), 1e-5);
    } else {
      // i3 has events but no segment bought it: neutral too.
      EXPECT_EQ(c.segment(), 0.0f);
    }
  }
}

TEST(HybridModelTest, CandidateListIsHonouredAndUnknownsCounted) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  r.set_count(10);
  for (const char* id : {"i6", "nope", "i3", "i6", "missing"}) {
    r.add_candidate_item_ids(id);
  }
  const RankResponse out = MustRank(*m, r);
  EXPECT_EQ(out.unknown_candidates(), 2u);
  std::vector<std::string> ids = Ids(out);
  EXPECT_EQ(ids, (std::vector<std::string>{"i3", "i6"}));
}

TEST(HybridModelTest, DiversityMixesCategories) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  r.set_count(2);
  std::vector<std::string> plain = Ids(MustRank(*m, r));
  EXPECT_TRUE(plain[1] < "i4");  // both red without diversity
  r.set_diversity(0.9f);
  std::vector<std::string> diverse = Ids(MustRank(*m, r));
  EXPECT_EQ(diverse[0], plain[0]);
  EXPECT_GE(diverse[1], "i4");  // a blue item second
}

TEST(HybridModelTest, DeadlineAndCancellationStopTheCall) {
  auto m = Model();
  RankRequest r;
  r.set_user_key(kRedUser);
  RankCall call;
  call.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(m->Rank(r, call).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  RankCall cancelled;
  cancelled.cancelled = [] { return true; };
  EXPECT_EQ(m->Rank(r, cancelled).status().code(),
            absl::StatusCode::kCancelled);
}

TEST(HybridModelTest, ReportsSizes) {
  auto m = Model();
  EXPECT_EQ(m->items(), 8);
  EXPECT_EQ(m->users(), 2);
  EXPECT_EQ(m->algorithm(), "ials");
  EXPECT_GT(m->MemoryBytes(), 0);
}

TEST(HybridModelTest, MismatchedPartsAreRefused) {
  HybridModelData d = MakeTestModelData();
  d.popularity.item_events.pop_back();
  EXPECT_EQ(HybridModel::Create(std::move(d)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor::ranker
