#include "trainer/marketing/content.h"

#include <cmath>

#include "gtest/gtest.h"
#include "trainer/marketing/test_fixture.h"

namespace tailor {
namespace {

TEST(ContentTest, TextAndCategoryTermsWithDefaults) {
  const MarketingFixture f = MakeMarketingFixture();
  auto c = BuildItemContent(f.items, ContentOptions());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->text_attributes, (std::vector<std::string>{"title"}));
  EXPECT_EQ(c->category_attributes, (std::vector<std::string>{"genres"}));
  EXPECT_EQ(c->tfidf.model.terms,
            (std::vector<std::string>{"blue", "caf\xc3\xa9", "genres=a",
                                      "genres=b", "mug", "red"}));
  EXPECT_EQ(c->items_without_terms, 1);  // i2 has no text and no genre
}

TEST(ContentTest, UnknownAttributeIsAClearError) {
  const MarketingFixture f = MakeMarketingFixture();
  ContentOptions options;
  options.text_attributes = {"description"};
  auto c = BuildItemContent(f.items, options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'description'"), std::string::npos);
}

TEST(ContentTest, UserProfileIsTheEventWeightedMean) {
  const MarketingFixture f = MakeMarketingFixture();
  auto c = BuildItemContent(f.items, ContentOptions());
  ASSERT_TRUE(c.ok());
  const CsrMatrix& v = c->tfidf.vectors;
  const CsrMatrix users = UserContentProfiles(f.block.matrix, v);
  // u0 = (2 * v0 + v1) / 3; check the "mug" coordinate (term 4).
  auto value = [](const CsrMatrix& m, int64_t r, uint32_t t) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k)
      if (m.indices[k] == t) return static_cast<double>(m.data[k]);
    return 0.0;
  };
  EXPECT_NEAR(value(users, 0, 4), (2 * value(v, 0, 4) + value(v, 1, 4)) / 3,
              1e-6);
  EXPECT_EQ(users.RowSize(2), 0);  // no events
}

TEST(ContentTest, NearestItemsByCosine) {
  const MarketingFixture f = MakeMarketingFixture();
  auto c = BuildItemContent(f.items, ContentOptions());
  ASSERT_TRUE(c.ok());
  const CsrMatrix& v = c->tfidf.vectors;
  const NeighborTable t = NearestItems(v, 5);
  ASSERT_TRUE(ValidateNeighborTable(t).ok());
  ASSERT_EQ(t.RowSize(0), 1);
  EXPECT_EQ(t.neighbors[0], 1u);
  double dot = 0;
  for (int64_t a = v.indptr[0]; a < v.indptr[1]; ++a)
    for (int64_t b = v.indptr[1]; b < v.indptr[2]; ++b)
      if (v.indices[a] == v.indices[b]) dot += v.data[a] * v.data[b];
  EXPECT_NEAR(t.similarities[0], dot, 1e-6);
  EXPECT_EQ(t.RowSize(2), 0);  // zero vector: no neighbours
}

}  // namespace
}  // namespace tailor
