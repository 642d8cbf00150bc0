#include "core/security/token_list.h"

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::security {
namespace {

using ::testing::HasSubstr;

constexpr char kTokens[] =
    "# callers of Rank\n"
    "shop-frontend  0123456789abcdef0123\n"
    "\n"
    "mail.batch\tfedcba9876543210fedc\n";

TEST(TokenListTest, ParsesCallersAndFindsThem) {
  TAILOR_ASSERT_OK_AND_ASSIGN(TokenList list, TokenList::Parse(kTokens, "t"));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(*list.CallerFor("0123456789abcdef0123"), "shop-frontend");
  EXPECT_EQ(*list.CallerFor("fedcba9876543210fedc"), "mail.batch");
  EXPECT_THAT(list.CallerFor("0123456789abcdef0124").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(list.CallerFor("").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TokenListTest, ChecksBearerHeaders) {
  TAILOR_ASSERT_OK_AND_ASSIGN(TokenList list, TokenList::Parse(kTokens, "t"));
  EXPECT_EQ(*list.CallerForHeader("Bearer fedcba9876543210fedc"), "mail.batch");
  EXPECT_THAT(list.CallerForHeader("Basic fedcba9876543210fedc").status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("not 'Bearer <token>'")));
  EXPECT_THAT(list.CallerForHeader("Bearer fedcba9876543210fedX").status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("not in the server's token file")));
}

TEST(TokenListTest, BadLinesNameFileAndLine) {
  EXPECT_THAT(TokenList::Parse("a 0123456789abcdef\nb\n", "tok.txt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("tok.txt:2: expected '<caller> <token>'")));
  EXPECT_THAT(
      TokenList::Parse("a short\n", "f").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least 16")));
  EXPECT_THAT(TokenList::Parse("a/b 0123456789abcdef\n", "f").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("caller name 'a/b'")));
  EXPECT_THAT(
      TokenList::Parse("a 0123456789abcdef\na 0123456789abcdeX\n", "f")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
  EXPECT_THAT(
      TokenList::Parse("a 0123456789abcdef\nb 0123456789abcdef\n", "f")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already used")));
  EXPECT_THAT(
      TokenList::Parse("# nothing\n", "f").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no tokens")));
}

TEST(TokenListTest, LoadsThroughTheFileSystem) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/tokens", kTokens).ok());
  TAILOR_ASSERT_OK_AND_ASSIGN(TokenList list,
                              TokenList::Load(fs.get(), "/tokens"));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_THAT(
      TokenList::Load(fs.get(), "/missing").status(),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("token file /missing")));
}

}  // namespace
}  // namespace tailor::security
