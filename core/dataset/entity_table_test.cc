#include "core/dataset/entity_table.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TEST(EntityTableTest, InternAssignsFirstSeenOrdinals) {
  EntityTable t("user");
  bool inserted = false;
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t a, t.Intern(30, "a", &inserted));
  EXPECT_TRUE(inserted);
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t b, t.Intern(10, "b", &inserted));
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t a2, t.Intern(30, "a", &inserted));
  EXPECT_FALSE(inserted);
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(a2, 0u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.external_id(1), "b");
  EXPECT_EQ(t.SortedOrder(), (std::vector<uint32_t>{1, 0}));
}

TEST(EntityTableTest, CollisionBetweenDifferentIdsFails) {
  EntityTable t("item");
  ASSERT_THAT(t.Intern(7, "first"), IsOk());
  EXPECT_THAT(
      t.Intern(7, "second"),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("item key collision"), HasSubstr("first"),
                     HasSubstr("second"), HasSubstr("0000000000000007"))));
}

TEST(EntityTableTest, CollisionBetweenLongIdsWithACommonPrefixFails) {
  EntityTable t("user");
  ASSERT_THAT(t.Intern(9, "abcdefghijklmnop-1"), IsOk());
  EXPECT_THAT(t.Intern(9, "abcdefghijklmnop-1"), IsOk());
  EXPECT_THAT(t.Intern(9, "abcdefghijklmnop-2"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  const std::string a(300, 'a');
  std::string b = a + "b";
  ASSERT_THAT(t.Intern(10, a), IsOk());
  EXPECT_THAT(t.Intern(10, b), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(t.Intern(10, a), IsOk());
}

TEST(EntityTableTest, WritesEscapedTsvLines) {
  EntityTable t("item");
  t.SetAttributeNames({"title", "genres"});
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t o, t.Intern(0xabc, "id\t1"));
  TAILOR_ASSERT_OK_AND_ASSIGN(uint32_t p, t.Intern(0x1, "plain"));
  t.SetAttributes(o, {"A\nB", "x|y"});
  std::string out;
  t.AppendTsvHeader(&out);
  t.AppendTsvLine(o, &out);
  t.AppendTsvLine(p, &out);
  EXPECT_EQ(out,
            "key\tid\ttitle\tgenres\n"
            "0000000000000abc\tid\\t1\tA\\nB\tx|y\n"
            "0000000000000001\tplain\t\t\n");
}

}  // namespace
}  // namespace tailor
