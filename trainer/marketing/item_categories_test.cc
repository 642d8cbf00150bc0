#include "trainer/marketing/item_categories.h"

#include "gtest/gtest.h"

namespace tailor {
namespace {

EntityColumns Items() {
  EntityColumns items;
  items.attribute_names = {"title", "genres"};
  items.keys = {1, 2, 3};
  items.external_ids = {"a", "b", "c"};
  items.attributes = {
      {"A", "Comedy|Drama"}, {"B", ""}, {"C", "Drama | Comedy|"}};
  return items;
}

TEST(ItemCategoriesTest, AutoPicksGenresAndSplits) {
  auto cats = ExtractItemCategories(Items(), "");
  ASSERT_TRUE(cats.ok()) << cats.status();
  EXPECT_EQ(cats->source, "genres");
  EXPECT_EQ(cats->names,
            (std::vector<std::string>{"(none)", "Comedy", "Drama"}));
  EXPECT_EQ(cats->indptr, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(cats->category, (std::vector<uint32_t>{1, 2, 0, 1, 2}));
}

TEST(ItemCategoriesTest, NoneAndMissingAttribute) {
  auto none = ExtractItemCategories(Items(), "none");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->names.empty());
  EXPECT_EQ(none->CountOf(2), 0);
  EntityColumns plain = Items();
  plain.attribute_names = {"title", "description"};
  auto absent = ExtractItemCategories(plain, "");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->source, "");
  auto bad = ExtractItemCategories(plain, "genre");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("items have: title, description"),
            std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace tailor
