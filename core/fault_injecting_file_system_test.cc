#include "core/fault_injecting_file_system.h"

#include <memory>
#include <string>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TAILOR_ASSERT_OK(base_->CreateDirs("/data/good"));
    TAILOR_ASSERT_OK(base_->CreateDirs("/data/bad"));
  }

  std::unique_ptr<FileSystem> base_ = NewInMemoryFileSystem();
  FaultInjectingFileSystem fs_{base_.get()};
};

TEST_F(FaultInjectingFileSystemTest, ForwardsEverythingWithoutRules) {
  TAILOR_ASSERT_OK(WriteStringToFile(&fs_, "/data/good/f", "hello"));
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string s,
                              ReadFileToString(&fs_, "/data/good/f"));
  EXPECT_EQ(s, "hello");
  EXPECT_TRUE(fs_.Exists("/data/good/f"));
  EXPECT_THAT(*fs_.ListDir("/data"), ElementsAre("bad", "good"));
  TAILOR_ASSERT_OK(fs_.Rename("/data/good/f", "/data/good/g"));
  EXPECT_EQ(*fs_.FileSize("/data/good/g"), 5u);
  TAILOR_ASSERT_OK(fs_.DeleteRecursively("/data/good"));
  EXPECT_FALSE(base_->Exists("/data/good"));
  EXPECT_EQ(fs_.injected_faults(), 0);
}

TEST_F(FaultInjectingFileSystemTest, FailsOnlyTheNthAppend) {
  fs_.AddRule({.ops = {FsOp::kAppend},
               .skip = 2,
               .count = 1,
               .status = absl::DataLossError("disk ate it")});
  TAILOR_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile("/data/good/f"));
  TAILOR_EXPECT_OK(file->Append("a"));
  TAILOR_EXPECT_OK(file->Append("b"));
  EXPECT_THAT(file->Append("c"),
              StatusIs(absl::StatusCode::kDataLoss, "disk ate it"));
  TAILOR_EXPECT_OK(file->Append("d"));
  TAILOR_EXPECT_OK(file->Close());
  EXPECT_EQ(*ReadFileToString(base_.get(), "/data/good/f"), "abd");
  EXPECT_EQ(fs_.injected_faults(), 1);
}

TEST_F(FaultInjectingFileSystemTest, FailsEveryOperationUnderAPrefix) {
  TAILOR_ASSERT_OK(WriteStringToFile(base_.get(), "/data/bad/old", "x"));
  fs_.AddRule({.path_prefix = "/data/bad",
               .status = absl::UnavailableError("nfs down")});
  const auto unavailable = StatusIs(absl::StatusCode::kUnavailable);
  EXPECT_THAT(WriteStringToFile(&fs_, "/data/bad/f", "x"), unavailable);
  EXPECT_FALSE(base_->Exists("/data/bad/f"));  // not forwarded
  EXPECT_THAT(fs_.NewReadableFile("/data/bad/old"), unavailable);
  EXPECT_THAT(fs_.FileSize("/data/bad/old"), unavailable);
  EXPECT_THAT(fs_.ListDir("/data/bad"), unavailable);
  EXPECT_THAT(fs_.CreateDirs("/data/bad/sub"), unavailable);
  EXPECT_THAT(fs_.DeleteRecursively("/data/bad"), unavailable);
  EXPECT_TRUE(base_->Exists("/data/bad/old"));
  // Rename fails when either side is under the prefix.
  TAILOR_ASSERT_OK(WriteStringToFile(&fs_, "/data/good/f", "x"));
  EXPECT_THAT(fs_.Rename("/data/good/f", "/data/bad/f"), unavailable);
  EXPECT_THAT(fs_.Rename("/data/bad/old", "/data/good/old"), unavailable);
  EXPECT_EQ(fs_.injected_faults(), 8);
  // Other paths are untouched.
  TAILOR_EXPECT_OK(fs_.Rename("/data/good/f", "/data/good/g"));
  EXPECT_THAT(fs_.ListDir("/data/good"), IsOk());
}

TEST_F(FaultInjectingFileSystemTest, FailsReadsAndClosesOfOpenFiles) {
  TAILOR_ASSERT_OK(WriteStringToFile(&fs_, "/data/good/f", "contents"));
  fs_.AddRule({.ops = {FsOp::kRead, FsOp::kClose}, .count = 2});
  TAILOR_ASSERT_OK_AND_ASSIGN(auto reader, fs_.NewReadableFile("/data/good/f"));
  char buf[16];
  EXPECT_THAT(reader->Read(sizeof(buf), buf),
              StatusIs(absl::StatusCode::kInternal, "injected fault"));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto writer, fs_.NewWritableFile("/data/good/g"));
  EXPECT_THAT(writer->Close(), StatusIs(absl::StatusCode::kInternal));
  // count = 2 is used up: both work now.
  EXPECT_THAT(reader->Read(sizeof(buf), buf), IsOk());
  TAILOR_EXPECT_OK(writer->Close());
}

TEST_F(FaultInjectingFileSystemTest, OpenFilesOutliveTheWrapperAndClearStops) {
  fs_.AddRule({.ops = {FsOp::kNewWritableFile}, .skip = 1});
  TAILOR_ASSERT_OK(WriteStringToFile(&fs_, "/data/good/1", "x"));
  EXPECT_FALSE(WriteStringToFile(&fs_, "/data/good/2", "x").ok());
  EXPECT_FALSE(WriteStringToFile(&fs_, "/data/good/3", "x").ok());
  fs_.ClearRules();
  TAILOR_EXPECT_OK(WriteStringToFile(&fs_, "/data/good/4", "x"));
  EXPECT_THAT(*base_->ListDir("/data/good"), ElementsAre("1", "4"));

  std::unique_ptr<WritableFile> file;
  {
    FaultInjectingFileSystem scoped(base_.get());
    TAILOR_ASSERT_OK_AND_ASSIGN(file, scoped.NewWritableFile("/data/good/5"));
  }
  TAILOR_EXPECT_OK(file->Append("late"));
  TAILOR_EXPECT_OK(file->Close());
  EXPECT_EQ(*ReadFileToString(base_.get(), "/data/good/5"), "late");
}

TEST_F(FaultInjectingFileSystemTest, FirstRuleWhoseTurnItIsDecides) {
  fs_.AddRule({.ops = {FsOp::kListDir},
               .skip = 1,
               .count = 1,
               .status = absl::AbortedError("first")});
  fs_.AddRule({.ops = {FsOp::kListDir},
               .status = absl::ResourceExhaustedError("second")});
  EXPECT_THAT(fs_.ListDir("/data"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(fs_.ListDir("/data"), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(fs_.ListDir("/data"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace tailor
