#include "core/format/sparse_block.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

constexpr char kPath[] = "/d/block.tlr";

// A block with `rows` rows, random row lengths (some empty), repeated
// columns, optional timestamps and amounts.
SparseBlock RandomBlock(int64_t rows, int64_t cols, int max_row, bool extras,
                        uint64_t seed) {
  std::mt19937_64 rng(seed);
  SparseBlock b;
  b.orientation = BlockOrientation::kItemMajor;
  b.first_row = 1000;
  b.matrix.rows = rows;
  b.matrix.cols = cols;
  for (int64_t r = 0; r < rows; ++r) {
    const int len = static_cast<int>(rng() % (max_row + 1));
    std::vector<uint32_t> row(len);
    for (auto& c : row) c = static_cast<uint32_t>(rng() % cols);
    std::sort(row.begin(), row.end());
    for (uint32_t c : row) {
      b.matrix.indices.push_back(c);
      b.matrix.data.push_back(static_cast<float>(rng() % 5) + 0.5f);
      if (extras) {
        b.timestamps.push_back(1300000000 + static_cast<int64_t>(rng() % 1000));
        b.amounts.push_back(static_cast<float>(rng() % 10000) / 100.0f - 5.0f);
      }
    }
    b.matrix.indptr.push_back(static_cast<int64_t>(b.matrix.indices.size()));
  }
  return b;
}

void ExpectSame(const SparseBlock& a, const SparseBlock& b) {
  EXPECT_EQ(a.orientation, b.orientation);
  EXPECT_EQ(a.first_row, b.first_row);
  EXPECT_EQ(a.matrix.rows, b.matrix.rows);
  EXPECT_EQ(a.matrix.cols, b.matrix.cols);
  EXPECT_EQ(a.matrix.indptr, b.matrix.indptr);
  EXPECT_EQ(a.matrix.indices, b.matrix.indices);
  EXPECT_EQ(a.matrix.data, b.matrix.data);
  EXPECT_EQ(a.timestamps, b.timestamps);
  EXPECT_EQ(a.amounts, b.amounts);
}

class SparseBlockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_->CreateDirs("/d").ok()); }

  absl::Status ReadBytes(const std::string& bytes) {
    EXPECT_TRUE(WriteStringToFile(fs_.get(), "/d/x", bytes).ok());
    return ReadSparseBlock(fs_.get(), "/d/x").status();
  }

  // Writes sections with the documented ids directly, bypassing the
  // writer's validation, and returns what the reader says.
  absl::Status ReadCrafted(const std::vector<uint64_t>& meta,
                           const std::vector<int64_t>& indptr,
                           const std::vector<uint32_t>& indices,
                           const std::vector<float>& values,
                           const std::vector<float>& amounts = {}) {
    FormatWriter w(kSparseBlockFileType);
    w.AddSection<uint64_t>(1, "meta", meta);
    w.AddSection<int64_t>(2, "indptr", indptr);
    w.AddSection<uint32_t>(3, "indices", indices);
    w.AddSection<float>(4, "values", values);
    w.AddSection<int64_t>(5, "timestamps", {});
    w.AddSection<float>(6, "amounts", amounts);
    EXPECT_TRUE(w.WriteFile(fs_.get(), "/d/crafted").ok());
    return ReadSparseBlock(fs_.get(), "/d/crafted").status();
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
};

TEST_F(SparseBlockTest, RoundTripsWithTimestampsAndAmounts) {
  const SparseBlock block = RandomBlock(300, 50, 12, true, 1);
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, block).ok());
  auto read = ReadSparseBlock(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(block, *read);
}

TEST_F(SparseBlockTest, RoundTripsWithoutOptionalArrays) {
  SparseBlock block = RandomBlock(100, 7, 20, false, 2);
  block.orientation = BlockOrientation::kUserMajor;
  block.first_row = 0;
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, block).ok());
  auto read = ReadSparseBlock(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(block, *read);
  EXPECT_TRUE(read->timestamps.empty());
}

TEST_F(SparseBlockTest, RoundTripsEmptyBlockAndFullColumnRange) {
  SparseBlock empty;
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, empty).ok());
  auto read = ReadSparseBlock(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(empty, *read);

  SparseBlock wide;
  wide.matrix.rows = 1;
  wide.matrix.cols = int64_t{1} << 32;
  wide.matrix.indptr = {0, 2};
  wide.matrix.indices = {0, 0xFFFFFFFFu};
  wide.matrix.data = {1.0f, 2.0f};
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, wide).ok());
  read = ReadSparseBlock(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(wide, *read);
}

TEST_F(SparseBlockTest, WriterRejectsInvalidBlocks) {
  SparseBlock block = RandomBlock(10, 5, 4, true, 3);
  block.amounts.pop_back();
  absl::Status s = WriteSparseBlock(fs_.get(), kPath, block);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), kPath)) << s;
  EXPECT_FALSE(fs_->Exists(kPath));

  block = RandomBlock(10, 5, 4, false, 3);
  block.matrix.data[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(WriteSparseBlock(fs_.get(), kPath, block).code(),
            absl::StatusCode::kInvalidArgument);

  block = RandomBlock(10, 5, 4, false, 3);
  block.orientation = static_cast<BlockOrientation>(7);
  EXPECT_EQ(WriteSparseBlock(fs_.get(), kPath, block).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SparseBlockTest, ReaderRejectsStructuralViolationsWithValidChecksums) {
  // meta: orientation, first_row, rows, cols, nnz, reserved x3.
  const std::vector<uint64_t> meta = {1, 0, 2, 4, 3, 0, 0, 0};
  ASSERT_TRUE(ReadCrafted(meta, {0, 2, 3}, {1, 1, 3}, {1, 2, 3}).ok());

  absl::Status s = ReadCrafted(meta, {0, 2, 3}, {2, 1, 3}, {1, 2, 3});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "/d/crafted: ")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "row 0")) << s;

  s = ReadCrafted(meta, {0, 2, 3}, {1, 1, 4}, {1, 2, 3});  // column >= cols
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted(meta, {0, 3, 2}, {1, 1, 3}, {1, 2, 3});  // indptr decreases
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted(meta, {1, 2, 3}, {1, 1, 3}, {1, 2, 3});  // indptr[0] != 0
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted(meta, {0, 2, 3}, {1, 1, 3}, {1, INFINITY, 3});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted(meta, {0, 2, 3}, {1, 1, 3}, {1, 2, 3}, {1, NAN, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "non-finite amount")) << s;
  s = ReadCrafted(meta, {0, 2, 3}, {1, 1, 3}, {1, 2, 3}, {1, 2});
  EXPECT_TRUE(absl::StrContains(s.message(), "'amounts' has 2 entries")) << s;
  s = ReadCrafted(meta, {0, 2}, {1, 1, 3}, {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "'indptr' has 2 entries")) << s;
  s = ReadCrafted({1, 0, 2, 4, 4, 0, 0, 0}, {0, 2, 3}, {1, 1, 3}, {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "meta declares 4 entries")) << s;
  s = ReadCrafted({3, 0, 2, 4, 3, 0, 0, 0}, {0, 2, 3}, {1, 1, 3}, {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "unknown block orientation 3"))
      << s;
  s = ReadCrafted({1, ~uint64_t{0}, 2, 4, 3, 0, 0, 0}, {0, 2, 3}, {1, 1, 3},
                  {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "first_row")) << s;
  s = ReadCrafted({1, 0, ~uint64_t{0}, 4, 3, 0, 0, 0}, {0, 2, 3}, {1, 1, 3},
                  {1, 2, 3});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted({1, 0, 2, 4, 3, 0, 0, 9}, {0, 2, 3}, {1, 1, 3}, {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "reserved")) << s;
  s = ReadCrafted({1, 0, 2, 4, 3}, {0, 2, 3}, {1, 1, 3}, {1, 2, 3});
  EXPECT_TRUE(absl::StrContains(s.message(), "'meta' has 5 words")) << s;
}

TEST_F(SparseBlockTest, DocumentedExampleHasTheDocumentedBytes) {
  // docs/formats/sparse_block.md, "Example".
  SparseBlock b;
  b.first_row = 10;
  b.matrix.rows = 2;
  b.matrix.cols = 4;
  b.matrix.indptr = {0, 2, 3};
  b.matrix.indices = {1, 1, 3};
  b.matrix.data = {1, 1, 5};
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, b).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  ASSERT_EQ(f.size(), 704u);
  EXPECT_EQ(f.substr(0, 8), "TLRBLK01");
  uint64_t meta[8];
  std::memcpy(meta, &f[128], sizeof(meta));  // section 1 data
  EXPECT_EQ(std::vector<uint64_t>(meta, meta + 8),
            (std::vector<uint64_t>{1, 10, 2, 4, 3, 0, 0, 0}));
  int64_t indptr[3];
  std::memcpy(indptr, &f[256], sizeof(indptr));  // section 2 data
  EXPECT_EQ(indptr[2], 3);
  EXPECT_EQ(std::string(&f[192], 6), "indptr");
}

TEST_F(SparseBlockTest, ReaderSkipsUnknownSections) {
  FormatWriter w(kSparseBlockFileType);
  const std::vector<uint64_t> meta = {2, 5, 1, 3, 1, 0, 0, 0};
  const std::vector<int64_t> indptr = {0, 1};
  const std::vector<uint32_t> indices = {2};
  const std::vector<float> values = {4.0f};
  const std::vector<double> future = {1.0, 2.0};
  w.AddSection<double>(99, "added_later", future);
  w.AddSection<uint64_t>(1, "meta", meta);
  w.AddSection<int64_t>(2, "indptr", indptr);
  w.AddSection<uint32_t>(3, "indices", indices);
  w.AddSection<float>(4, "values", values);
  w.AddSection<int64_t>(5, "timestamps", {});
  w.AddSection<float>(6, "amounts", {});
  ASSERT_TRUE(w.WriteFile(fs_.get(), kPath).ok());
  auto read = ReadSparseBlock(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->orientation, BlockOrientation::kItemMajor);
  EXPECT_EQ(read->first_row, 5u);
  EXPECT_EQ(read->matrix.indices, indices);
}

TEST_F(SparseBlockTest, EveryByteFlipAndTruncationIsRejected) {
  const SparseBlock block = RandomBlock(6, 9, 3, true, 4);
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, block).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  ASSERT_LT(f.size(), 2000u);
  for (size_t i = 0; i < f.size(); ++i) {
    std::string corrupt = f;
    corrupt[i] ^= 0x20;
    EXPECT_FALSE(ReadBytes(corrupt).ok()) << "byte " << i;
  }
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_FALSE(ReadBytes(f.substr(0, n)).ok()) << "length " << n;
  }
  EXPECT_TRUE(ReadBytes(f).ok());
}

TEST_F(SparseBlockTest, SampledFlipsInALargerFileAreRejected) {
  const SparseBlock block = RandomBlock(2000, 500, 30, true, 5);
  ASSERT_TRUE(WriteSparseBlock(fs_.get(), kPath, block).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string corrupt = f;
    const size_t i = rng() % f.size();
    corrupt[i] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_FALSE(ReadBytes(corrupt).ok()) << "byte " << i;
  }
}

TEST_F(SparseBlockTest, GarbageAndOtherKindsAreRejected) {
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 300; ++trial) {
    std::string g(rng() % 1000, '\0');
    for (char& c : g) c = static_cast<char>(rng());
    if (trial % 3 == 0 && g.size() >= 8) g.replace(0, 8, "TLRBLK01");
    EXPECT_FALSE(ReadBytes(g).ok()) << "trial " << trial;
  }
  FormatWriter other(kFactorTableFileType);
  ASSERT_TRUE(other.WriteFile(fs_.get(), "/d/table").ok());
  absl::Status s = ReadSparseBlock(fs_.get(), "/d/table").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "is a Tailor factor table")) << s;
  EXPECT_EQ(ReadSparseBlock(fs_.get(), "/d/missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tailor
