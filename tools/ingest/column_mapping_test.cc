#include "tools/ingest/column_mapping.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TEST(ColumnMappingTest, ByNameOrIndex) {
  const std::vector<std::string> h = {"user", "item", "rating"};
  EXPECT_EQ(ResolveColumn("item", h, -1, "f", "item").value(), 1);
  EXPECT_EQ(ResolveColumn("2", h, -1, "f", "value").value(), 2);
  EXPECT_EQ(ResolveColumn("", h, -1, "f", "value").value(), -1);
  EXPECT_EQ(ResolveColumn("7", {}, -1, "f", "value").value(), 7);
}

TEST(ColumnMappingTest, UnknownNameListsHeader) {
  EXPECT_THAT(ResolveColumn("stars", {"user", "item"}, -1, "f.csv", "value"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("f.csv"), HasSubstr("stars"),
                             HasSubstr("[user,item]"))));
  EXPECT_THAT(
      ResolveColumn("stars", {}, -1, "f.csv", "value"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no header")));
}

TEST(ColumnMappingTest, DuplicateHeaderIsAmbiguousByName) {
  const std::vector<std::string> h = {"id", "x", "id"};
  EXPECT_THAT(ResolveColumn("id", h, -1, "f.csv", "user"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate header")));
  EXPECT_EQ(ResolveColumn("2", h, -1, "f.csv", "user").value(), 2);
  EXPECT_EQ(DuplicateNames(h), (std::vector<std::string>{"id"}));
}

TEST(ColumnMappingTest, IndexOutOfRange) {
  EXPECT_THAT(
      ResolveColumn("3", {"a", "b"}, -1, "f.csv", "item"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  EXPECT_THAT(ResolveColumn("3", {}, 2, "f.csv", "item"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor
