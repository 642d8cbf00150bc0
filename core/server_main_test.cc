#include "core/server_main.h"

#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, server_main_test_answer, 42, "A flag of this file.");

namespace tailor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(IsHelpArgTest, KnowsTheHelpSpellings) {
  for (const char* arg : {"--help", "-h", "-help", "--helpfull"}) {
    EXPECT_TRUE(IsHelpArg(arg)) << arg;
  }
  for (const char* arg : {"--helpx", "help", "--port=1", ""}) {
    EXPECT_FALSE(IsHelpArg(arg)) << arg;
  }
}

TEST(BinaryHelpTest, ListsTheFilesFlagsAndTheSecurityFlags) {
  const std::string help =
      BinaryHelp("tailor_test: a test.", "server_main_test.cc");
  EXPECT_THAT(help, StartsWith("tailor_test: a test.\n\nflags:\n"));
  EXPECT_THAT(help, HasSubstr("  --server_main_test_answer (default: \"42\")\n"
                              "      A flag of this file.\n"));
  EXPECT_THAT(help, HasSubstr("  --insecure (default:"));
  EXPECT_THAT(help, HasSubstr("  --tls_cert (default:"));
  // Flags of other files (gtest's, Abseil's) are not listed.
  EXPECT_THAT(help, Not(HasSubstr("--gtest_filter")));
  EXPECT_THAT(help, Not(HasSubstr("--flagfile")));
  // Sorted by name.
  EXPECT_LT(help.find("  --insecure ("),
            help.find("  --server_main_test_answer ("));
  EXPECT_LT(help.find("  --server_main_test_answer ("),
            help.find("  --tls_cert ("));
}

TEST(WritePortFileTest, WritesTheNumberAndLeavesNoTemporary) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_THAT(WritePortFile(fs.get(), "/port", 41234), IsOk());
  absl::StatusOr<std::string> text = ReadFileToString(fs.get(), "/port");
  ASSERT_THAT(text.status(), IsOk());
  EXPECT_EQ(*text, "41234\n");
  EXPECT_THAT(ReadFileToString(fs.get(), "/port.tmp").status(),
              StatusIs(absl::StatusCode::kNotFound));
  // Overwrites an earlier port.
  ASSERT_THAT(WritePortFile(fs.get(), "/port", 7), IsOk());
  EXPECT_EQ(*ReadFileToString(fs.get(), "/port"), "7\n");
}

TEST(WritePortFileTest, ReportsAnUnwritablePath) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  EXPECT_THAT(WritePortFile(fs.get(), "/no/such/dir/port", 1), Not(IsOk()));
}

}  // namespace
}  // namespace tailor
