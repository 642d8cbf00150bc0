#include "tools/ingest/input_stream.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/ingest/test_util.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::string> ReadAll(FileSystem* fs, const std::string& path,
                                    Compression* c = nullptr) {
  TAILOR_ASSIGN_OR_RETURN(OpenedInput in, OpenInputStream(fs, path));
  if (c != nullptr) *c = in.compression;
  std::string out;
  char buf[7];  // odd small reads exercise the buffering
  for (;;) {
    TAILOR_ASSIGN_OR_RETURN(size_t n, in.stream->Read(buf, sizeof(buf)));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

std::string Text() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

TEST(InputStreamTest, PlainShortAndEmptyFiles) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(WriteStringToFile(fs.get(), "/a", "ab"), IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/e", ""), IsOk());
  Compression c;
  EXPECT_EQ(ReadAll(fs.get(), "/a", &c).value(), "ab");
  EXPECT_EQ(c, Compression::kNone);
  EXPECT_EQ(ReadAll(fs.get(), "/e").value(), "");
}

TEST(InputStreamTest, DetectsGzipAndXzByMagicNotName) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(WriteStringToFile(fs.get(), "/data.csv", GzipCompress(Text())),
              IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/data.gz", XzCompress(Text())),
              IsOk());
  Compression c;
  EXPECT_EQ(ReadAll(fs.get(), "/data.csv", &c).value(), Text());
  EXPECT_EQ(c, Compression::kGzip);
  EXPECT_EQ(ReadAll(fs.get(), "/data.gz", &c).value(), Text());
  EXPECT_EQ(c, Compression::kXz);
}

TEST(InputStreamTest, ConcatenatedGzipMembers) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(WriteStringToFile(fs.get(), "/c",
                                GzipCompress("a\n") + GzipCompress("b\n")),
              IsOk());
  EXPECT_EQ(ReadAll(fs.get(), "/c").value(), "a\nb\n");
}

TEST(InputStreamTest, TruncatedGzipIsDataLossNamingTheFile) {
  auto fs = NewInMemoryFileSystem();
  const std::string gz = GzipCompress(Text());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/t.gz", gz.substr(0, gz.size() / 2)),
              IsOk());
  EXPECT_THAT(ReadAll(fs.get(), "/t.gz"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("/t.gz"), HasSubstr("truncated gzip"))));
  // Only the 8-byte trailer missing.
  ASSERT_THAT(
      WriteStringToFile(fs.get(), "/t2.gz", gz.substr(0, gz.size() - 4)),
      IsOk());
  EXPECT_THAT(ReadAll(fs.get(), "/t2.gz"),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(InputStreamTest, CorruptGzipIsDataLoss) {
  auto fs = NewInMemoryFileSystem();
  std::string gz = GzipCompress(Text());
  for (size_t i = 20; i < 60; ++i) gz[i] ^= 0x5a;
  ASSERT_THAT(WriteStringToFile(fs.get(), "/c.gz", gz), IsOk());
  EXPECT_THAT(ReadAll(fs.get(), "/c.gz"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("/c.gz")));
}

TEST(InputStreamTest, TruncatedXzIsDataLoss) {
  auto fs = NewInMemoryFileSystem();
  const std::string xz = XzCompress(Text());
  ASSERT_THAT(
      WriteStringToFile(fs.get(), "/t.xz", xz.substr(0, xz.size() - 10)),
      IsOk());
  EXPECT_THAT(ReadAll(fs.get(), "/t.xz"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("/t.xz")));
}

TEST(InputStreamTest, MissingFileIsNotFound) {
  auto fs = NewInMemoryFileSystem();
  EXPECT_THAT(OpenInputStream(fs.get(), "/nope"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace tailor
