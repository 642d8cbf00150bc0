#include "core/file_system.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

enum class Kind { kPosix, kInMemory };

// Runs the same behaviour suite against both implementations. The POSIX one
// works in a fresh subdirectory of the test's temporary directory.
class FileSystemTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kPosix) {
      fs_ = PosixFileSystem();
      const ::testing::TestInfo* info =
          ::testing::UnitTest::GetInstance()->current_test_info();
      root_ = JoinPath(::testing::TempDir(),
                       absl::StrCat("fs_", info->name(), "_", counter_++));
      for (char& c : root_) {
        if (c == '.') c = '_';
      }
      if (fs_->Exists(root_)) {
        ASSERT_TRUE(fs_->DeleteRecursively(root_).ok());
      }
    } else {
      owned_ = NewInMemoryFileSystem();
      fs_ = owned_.get();
      root_ = "/mem/root";
    }
    ASSERT_TRUE(fs_->CreateDirs(root_).ok());
  }

  std::string P(absl::string_view name) const { return JoinPath(root_, name); }

  void Write(absl::string_view name, absl::string_view contents) {
    ASSERT_TRUE(WriteStringToFile(fs_, P(name), contents).ok()) << name;
  }
  std::string Read(absl::string_view name) {
    absl::StatusOr<std::string> s = ReadFileToString(fs_, P(name));
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : "";
  }

  static int counter_;
  std::unique_ptr<FileSystem> owned_;
  FileSystem* fs_ = nullptr;
  std::string root_;
};
int FileSystemTest::counter_ = 0;

TEST_P(FileSystemTest, WriteThenReadRoundTrips) {
  const std::string binary("a\0b\n\xff", 5);
  Write("f", binary);
  EXPECT_EQ(Read("f"), binary);
  absl::StatusOr<uint64_t> size = fs_->FileSize(P("f"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u);
}

TEST_P(FileSystemTest, ManyAppendsLargerThanBuffersRoundTrip) {
  auto file = fs_->NewWritableFile(P("big"));
  ASSERT_TRUE(file.ok());
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    // Mix of small appends and appends larger than the posix buffer.
    std::string piece = (i % 1000 == 7) ? std::string(600 << 10, 'x' + i % 3)
                                        : absl::StrCat(i, ",");
    expected += piece;
    ASSERT_TRUE((*file)->Append(piece).ok());
  }
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Read("big"), expected);
  EXPECT_EQ(*fs_->FileSize(P("big")), expected.size());
}

// Bulk files (O_DIRECT on POSIX) hold exactly the appended bytes, whatever
// the sizes: whole aligned blocks, a partial last block, appends larger
// than the buffer, and an empty file.
TEST_P(FileSystemTest, BulkWritableFileRoundTripsAnySize) {
  const size_t kMiB = size_t{1} << 20;
  for (const size_t total : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096},
                             size_t{4097}, kMiB - 1, kMiB, 3 * kMiB + 4097}) {
    const std::string name = absl::StrCat("bulk_", total);
    auto file = fs_->NewBulkWritableFile(P(name));
    ASSERT_TRUE(file.ok()) << file.status();
    std::string expected;
    for (size_t i = 0; expected.size() < total; ++i) {
      const size_t piece = std::min(total - expected.size(),
                                    i % 3 == 2 ? 2 * kMiB + 5 : 1000 + i);
      std::string bytes(piece, static_cast<char>('a' + i % 26));
      bytes[0] = static_cast<char>(i);
      expected += bytes;
      ASSERT_TRUE((*file)->Append(bytes).ok());
    }
    ASSERT_TRUE((*file)->Close().ok());
    EXPECT_TRUE(Read(name) == expected) << name;
    EXPECT_EQ(*fs_->FileSize(P(name)), total);
    EXPECT_FALSE((*file)->Append("x").ok());
  }
}

TEST_P(FileSystemTest, BulkWritableFileTruncates) {
  Write("f", std::string(10000, 'z'));
  auto file = fs_->NewBulkWritableFile(P("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("short").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Read("f"), "short");
}

TEST_P(FileSystemTest, ReadInSmallChunksEndsWithZero) {
  Write("f", "hello world");
  auto file = fs_->NewReadableFile(P("f"));
  ASSERT_TRUE(file.ok());
  char buf[4];
  std::string got;
  while (true) {
    absl::StatusOr<size_t> n = (*file)->Read(sizeof(buf), buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, "hello world");
  EXPECT_EQ(*(*file)->Read(sizeof(buf), buf), 0u);
}

TEST_P(FileSystemTest, RewritingTruncates) {
  Write("f", "long contents");
  Write("f", "short");
  EXPECT_EQ(Read("f"), "short");
}

TEST_P(FileSystemTest, AppendOrCloseAfterCloseFails) {
  auto file = fs_->NewWritableFile(P("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_FALSE((*file)->Append("x").ok());
  absl::Status again = (*file)->Close();
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.message()), HasSubstr(P("f")));
}

TEST_P(FileSystemTest, MissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<std::string> s = ReadFileToString(fs_, P("nope"));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(P("nope")));
  EXPECT_EQ(fs_->FileSize(P("nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(fs_->Exists(P("nope")));
}

TEST_P(FileSystemTest, WritingIntoMissingDirectoryFails) {
  absl::Status s = WriteStringToFile(fs_, P("no/such/dir/f"), "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(P("no/such/dir/f")));
}

TEST_P(FileSystemTest, ReadingADirectoryFails) {
  ASSERT_TRUE(fs_->CreateDirs(P("d")).ok());
  EXPECT_FALSE(fs_->NewReadableFile(P("d")).ok());
  EXPECT_FALSE(fs_->FileSize(P("d")).ok());
}

TEST_P(FileSystemTest, CreateDirsIsRecursiveAndIdempotent) {
  ASSERT_TRUE(fs_->CreateDirs(P("a/b/c")).ok());
  EXPECT_TRUE(fs_->Exists(P("a")));
  EXPECT_TRUE(fs_->Exists(P("a/b")));
  EXPECT_TRUE(fs_->Exists(P("a/b/c")));
  EXPECT_TRUE(fs_->CreateDirs(P("a/b/c")).ok());
  EXPECT_TRUE(fs_->CreateDirs(P("a/b")).ok());
  Write("a/b/c/f", "x");
  EXPECT_EQ(Read("a/b/c/f"), "x");
}

TEST_P(FileSystemTest, CreateDirsOverAFileFails) {
  Write("f", "x");
  absl::Status s = fs_->CreateDirs(P("f"));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(P("f")));
  EXPECT_FALSE(fs_->CreateDirs(P("f/g")).ok());
}

TEST_P(FileSystemTest, ListDirReturnsSortedNamesOfFilesAndDirs) {
  Write("zeta", "");
  Write("alpha", "");
  ASSERT_TRUE(fs_->CreateDirs(P("mid/deep")).ok());
  Write("mid/deep/f", "");
  ASSERT_TRUE(fs_->CreateDirs(P("empty")).ok());
  absl::StatusOr<std::vector<std::string>> names = fs_->ListDir(root_);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("alpha", "empty", "mid", "zeta"));
  EXPECT_THAT(*fs_->ListDir(P("empty")), IsEmpty());
  EXPECT_THAT(*fs_->ListDir(P("mid")), ElementsAre("deep"));
}

TEST_P(FileSystemTest, ListDirOfMissingOrFileFails) {
  EXPECT_EQ(fs_->ListDir(P("nope")).status().code(),
            absl::StatusCode::kNotFound);
  Write("f", "");
  EXPECT_FALSE(fs_->ListDir(P("f")).ok());
}

TEST_P(FileSystemTest, RenameFileReplacesDestination) {
  Write("a", "new");
  Write("b", "old");
  ASSERT_TRUE(fs_->Rename(P("a"), P("b")).ok());
  EXPECT_FALSE(fs_->Exists(P("a")));
  EXPECT_EQ(Read("b"), "new");
}

TEST_P(FileSystemTest, RenameDirectoryMovesSubtree) {
  ASSERT_TRUE(fs_->CreateDirs(P("tmp/sub/empty")).ok());
  Write("tmp/f1", "1");
  Write("tmp/sub/f2", "2");
  ASSERT_TRUE(fs_->CreateDirs(P("tmpx")).ok());  // shares a name prefix
  Write("tmpx/keep", "k");
  ASSERT_TRUE(fs_->Rename(P("tmp"), P("final")).ok());
  EXPECT_FALSE(fs_->Exists(P("tmp")));
  EXPECT_FALSE(fs_->Exists(P("tmp/f1")));
  EXPECT_EQ(Read("final/f1"), "1");
  EXPECT_EQ(Read("final/sub/f2"), "2");
  EXPECT_TRUE(fs_->Exists(P("final/sub/empty")));
  EXPECT_EQ(Read("tmpx/keep"), "k");
  EXPECT_THAT(*fs_->ListDir(root_), ElementsAre("final", "tmpx"));
}

TEST_P(FileSystemTest, RenameDirectoryOverEmptyDirectoryReplacesIt) {
  ASSERT_TRUE(fs_->CreateDirs(P("src")).ok());
  Write("src/f", "x");
  ASSERT_TRUE(fs_->CreateDirs(P("dst")).ok());
  ASSERT_TRUE(fs_->Rename(P("src"), P("dst")).ok());
  EXPECT_EQ(Read("dst/f"), "x");
}

TEST_P(FileSystemTest, RenameDirectoryOverNonEmptyDirectoryFails) {
  ASSERT_TRUE(fs_->CreateDirs(P("src")).ok());
  ASSERT_TRUE(fs_->CreateDirs(P("dst")).ok());
  Write("dst/f", "x");
  EXPECT_FALSE(fs_->Rename(P("src"), P("dst")).ok());
  EXPECT_EQ(Read("dst/f"), "x");
  EXPECT_TRUE(fs_->Exists(P("src")));
}

TEST_P(FileSystemTest, RenameFileOntoDirectoryFails) {
  Write("f", "x");
  ASSERT_TRUE(fs_->CreateDirs(P("d")).ok());
  EXPECT_FALSE(fs_->Rename(P("f"), P("d")).ok());
  EXPECT_EQ(Read("f"), "x");
}

TEST_P(FileSystemTest, RenameMissingIsNotFound) {
  absl::Status s = fs_->Rename(P("nope"), P("other"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(P("nope")));
}

TEST_P(FileSystemTest, OpenReaderSurvivesRename) {
  Write("a", "contents");
  auto file = fs_->NewReadableFile(P("a"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(fs_->Rename(P("a"), P("b")).ok());
  char buf[16];
  absl::StatusOr<size_t> n = (*file)->Read(sizeof(buf), buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "contents");
}

TEST_P(FileSystemTest, DeleteRecursivelyRemovesFileOrTree) {
  Write("f", "x");
  ASSERT_TRUE(fs_->CreateDirs(P("d/e")).ok());
  Write("d/e/g", "y");
  Write("d/h", "z");
  Write("dx", "keep");  // shares a name prefix with "d"
  ASSERT_TRUE(fs_->DeleteRecursively(P("f")).ok());
  EXPECT_FALSE(fs_->Exists(P("f")));
  ASSERT_TRUE(fs_->DeleteRecursively(P("d")).ok());
  EXPECT_FALSE(fs_->Exists(P("d")));
  EXPECT_FALSE(fs_->Exists(P("d/e/g")));
  EXPECT_THAT(*fs_->ListDir(root_), ElementsAre("dx"));
  EXPECT_EQ(fs_->DeleteRecursively(P("d")).code(), absl::StatusCode::kNotFound);
}

TEST_P(FileSystemTest, ConcurrentWritersToDistinctFiles) {
  constexpr int kThreads = 4;
  constexpr int kFilesPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kFilesPerThread; ++i) {
        const std::string name = absl::StrCat("t", t, "_", i);
        EXPECT_TRUE(WriteStringToFile(fs_, P(name), name).ok());
        EXPECT_TRUE(fs_->Exists(P(name)));
        EXPECT_TRUE(fs_->ListDir(root_).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fs_->ListDir(root_)->size(), kThreads * kFilesPerThread);
  EXPECT_EQ(Read("t3_24"), "t3_24");
}

INSTANTIATE_TEST_SUITE_P(Both, FileSystemTest,
                         ::testing::Values(Kind::kPosix, Kind::kInMemory),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           return info.param == Kind::kPosix ? "Posix"
                                                             : "InMemory";
                         });

TEST(InMemoryFileSystemTest, PathsAreNormalized) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_TRUE(fs->CreateDirs("/a//b/").ok());
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/a/b//f", "x").ok());
  EXPECT_EQ(*ReadFileToString(fs.get(), "/a/b/f"), "x");
  EXPECT_THAT(*fs->ListDir("/"), ElementsAre("a"));
  EXPECT_THAT(*fs->ListDir("/a/"), ElementsAre("b"));
}

TEST(InMemoryFileSystemTest, FilesystemsAreIndependent) {
  std::unique_ptr<FileSystem> a = NewInMemoryFileSystem();
  std::unique_ptr<FileSystem> b = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteStringToFile(a.get(), "f", "x").ok());
  EXPECT_TRUE(a->Exists("f"));
  EXPECT_FALSE(b->Exists("f"));
}

TEST(InMemoryFileSystemTest, RenameDirectoryIntoItselfFails) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_TRUE(fs->CreateDirs("/a/b").ok());
  EXPECT_FALSE(fs->Rename("/a", "/a/b/c").ok());
  EXPECT_TRUE(fs->Exists("/a/b"));
}

TEST(JoinPathTest, JoinsWithSingleSlash) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "/b"), "a/b");
  EXPECT_EQ(JoinPath("a//", "//b"), "a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("a", ""), "a");
  EXPECT_EQ(JoinPath("/x/y", "z/w"), "/x/y/z/w");
}

}  // namespace
}  // namespace tailor
