#include "ranker/model/catalogue.h"

#include <cmath>

#include "gtest/gtest.h"

namespace tailor::ranker {
namespace {

EntityColumns Items() {
  EntityColumns items;
  items.attribute_names = {"description", "unit_price", "genres"};
  items.keys = {5, 9, 12};
  items.external_ids = {"a", "b\tx", "c"};
  items.attributes = {{"RED MUG", "2.5", "Kitchen|Red"},
                      {"tab\tdesc", "oops", ""},
                      {"plain", "", " Red |Garden"}};
  return items;
}

TEST(CatalogueTest, FromItemsPicksDefaultColumns) {
  auto c = CatalogueFromItems(Items(), {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->descriptions[0], "RED MUG");
  EXPECT_FLOAT_EQ(c->prices[0], 2.5f);
  EXPECT_TRUE(std::isnan(c->prices[1]));
  EXPECT_EQ(c->category_names,
            (std::vector<std::string>{"Garden", "Kitchen", "Red"}));
  EXPECT_EQ(c->category_indptr, (std::vector<int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(c->Find(9), 1);
  EXPECT_EQ(c->Find(10), -1);
}

TEST(CatalogueTest, UnknownAttributeIsNamed) {
  CatalogueColumns cols;
  cols.price = "cost";
  auto c = CatalogueFromItems(Items(), cols);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("cost"), std::string::npos);
}

TEST(CatalogueTest, TsvRoundTrip) {
  auto c = CatalogueFromItems(Items(), {});
  ASSERT_TRUE(c.ok());
  auto back = ParseCatalogueTsv(CatalogueToTsv(*c), "cat.tsv");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->keys, c->keys);
  EXPECT_EQ(back->ids, c->ids);
  EXPECT_EQ(back->descriptions, c->descriptions);
  EXPECT_EQ(back->category_names, c->category_names);
  EXPECT_EQ(back->categories, c->categories);
  EXPECT_FLOAT_EQ(back->prices[0], 2.5f);
  EXPECT_TRUE(std::isnan(back->prices[1]));
}

TEST(CatalogueTest, MalformedTextIsDataLossNamingTheLine) {
  auto c = CatalogueFromItems(Items(), {});
  std::string text = CatalogueToTsv(*c);
  EXPECT_EQ(ParseCatalogueTsv("junk\n", "cat.tsv").status().code(),
            absl::StatusCode::kDataLoss);
  // Swap the last two lines: keys no longer ascend.
  const size_t last = text.rfind('\n', text.size() - 2);
  const size_t prev = text.rfind('\n', last - 1);
  const std::string swapped = text.substr(0, prev + 1) + text.substr(last + 1) +
                              text.substr(prev + 1, last - prev);
  auto bad = ParseCatalogueTsv(swapped, "cat.tsv");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("cat.tsv:5"), std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace tailor::ranker
