// The quality protocol on a generated shop where the answer is known: ten
// styles, users of styles 0-4 in GB and 5-9 in FR, new items after each
// cut-off, and new customers after the test cut-off.
#include "tests/ranker_quality/quality.h"

#include <cstdio>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

constexpr int kItems = 200;
constexpr int kUsers = 400;
constexpr int64_t kDay = 86400;
constexpr int64_t kCutoff = 100 * kDay;
constexpr int64_t kValidation = 80 * kDay;

// Item identities 0-159 sell from day 0, 160-179 from day 80 and 180-199
// from day 100; identity i has style i % 10 (a word in its description).
// User u likes style u % 10 (styles 0-4 live in GB, 5-9 in FR) and buys
// mostly the style's first items; users >= 300 appear only after day 100.
// Rows are a permutation of identities, so row order carries no signal.
int RowOf(int identity) { return identity * 173 % kItems; }

QualityData Shop() {
  QualityData d;
  d.items.attribute_names = {"description"};
  for (int r = 0; r < kItems; ++r) {
    const int identity = r * 37 % kItems;  // inverse of RowOf
    d.items.keys.push_back(1000 + r);
    d.items.external_ids.push_back("item" + std::to_string(identity));
    d.items.attributes.push_back({"style" + std::to_string(identity % 10) +
                                  " lantern model" + std::to_string(identity)});
  }
  d.users.attribute_names = {"country"};
  std::mt19937 rng(11);
  CsrMatrix& m = d.user_major.matrix;
  m.rows = kUsers;
  m.cols = kItems;
  m.indptr = {0};
  for (int u = 0; u < kUsers; ++u) {
    d.users.keys.push_back(50 + u);
    d.users.external_ids.push_back("user" + std::to_string(u));
    const int style = u % 10;
    d.users.attributes.push_back({style < 5 ? "GB" : "FR"});
    const bool new_user = u >= 300;
    std::vector<std::pair<uint32_t, int64_t>> events;
    for (int e = 0; e < 12; ++e) {
      const int64_t day = new_user ? 100 + rng() % 30 : rng() % 130;
      // Old items of the style: identities style + 10 j, j < 16, head-heavy.
      int j = static_cast<int>(rng() % (rng() % 3 == 0 ? 16 : 4));
      if (day >= 80 && rng() % 3 == 0) j = 16 + static_cast<int>(rng() % 2);
      if (day >= 100 && rng() % 3 == 0) j = 18 + static_cast<int>(rng() % 2);
      events.push_back({static_cast<uint32_t>(RowOf(style + 10 * j)),
                        day * kDay + static_cast<int64_t>(rng() % kDay)});
    }
    std::sort(events.begin(), events.end());
    for (const auto& [row, t] : events) {
      m.indices.push_back(row);
      m.data.push_back(1.0f);
      d.user_major.timestamps.push_back(t);
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
  }
  return d;
}

TEST(QualityTest, HybridBeatsCfAndReachesColdStartOnAKnownShop) {
  QualityOptions o;
  o.cutoff_unix_s = kCutoff;
  o.validation_start_unix_s = kValidation;
  o.factors = 8;
  o.iterations = 8;
  o.segments = 10;
  o.threads = 1;
  auto r = RunQuality(Shop(), o);
  ASSERT_TRUE(r.ok()) << r.status();
  std::printf("%s", FormatQualityTable(*r).c_str());
  ASSERT_EQ(r->rows.size(), 4u);
  const QualityRow& all = r->rows[0];
  EXPECT_GT(all.hybrid.recall, all.cf.recall);
  EXPECT_GT(all.hybrid.ndcg, all.cf.ndcg);
  const QualityRow& new_items = r->rows[2];
  const QualityRow& new_users = r->rows[3];
  EXPECT_GT(new_items.hybrid.queries, 0);
  EXPECT_GT(new_items.hybrid.recall, 0.0);
  EXPECT_EQ(new_items.cf.recall, 0.0);  // no factors for new items
  EXPECT_GT(new_users.hybrid.queries, 0);
  EXPECT_GT(new_users.hybrid.recall, new_users.cf.recall);
  EXPECT_EQ(QualityToJson(*r)["rows"].size(), 4u);
}

TEST(QualityTest, RefusesDataWithoutTimestamps) {
  QualityData d = Shop();
  d.user_major.timestamps.clear();
  QualityOptions o;
  o.cutoff_unix_s = kCutoff;
  o.validation_start_unix_s = kValidation;
  EXPECT_EQ(RunQuality(d, o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor::ranker
