#include "core/format/factor_table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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

constexpr char kPath[] = "/m/items.tlr";

FactorTable RandomTable(int64_t rows, int dim, bool biases, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  FactorTable t(rows, dim);
  uint64_t key = rng() % 100;
  for (int64_t i = 0; i < rows; ++i) {
    key += 1 + rng() % 1000;
    t.keys()[i] = key;
  }
  for (float& x : t.data()) x = normal(rng);
  if (biases) {
    t.biases().resize(rows);
    for (float& b : t.biases()) b = normal(rng);
  }
  return t;
}

void ExpectSame(const FactorTable& a, const FactorTable& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.dim(), b.dim());
  EXPECT_EQ(a.keys(), b.keys());
  EXPECT_EQ(a.biases(), b.biases());
  EXPECT_TRUE(std::equal(a.data().begin(), a.data().end(), b.data().begin(),
                         b.data().end()));
}

class FactorTableTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_->CreateDirs("/m").ok()); }

  absl::Status ReadBytes(const std::string& bytes) {
    EXPECT_TRUE(WriteStringToFile(fs_.get(), "/m/x", bytes).ok());
    return ReadFactorTable(fs_.get(), "/m/x").status();
  }

  absl::Status ReadCrafted(const std::vector<uint64_t>& meta,
                           const std::vector<uint64_t>& keys,
                           const std::vector<float>& factors,
                           const std::vector<float>& biases) {
    FormatWriter w(kFactorTableFileType);
    w.AddSection<uint64_t>(1, "meta", meta);
    w.AddSection<uint64_t>(2, "keys", keys);
    w.AddSection<float>(3, "factors", factors);
    w.AddSection<float>(4, "biases", biases);
    EXPECT_TRUE(w.WriteFile(fs_.get(), "/m/crafted").ok());
    return ReadFactorTable(fs_.get(), "/m/crafted").status();
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
};

TEST(FactorTableShapeTest, RowsAreContiguousAndAligned) {
  FactorTable t(5, 16);
  EXPECT_EQ(t.rows(), 5);
  EXPECT_EQ(t.dim(), 16);
  EXPECT_EQ(t.data().size(), 80u);
  EXPECT_EQ(t.keys().size(), 5u);
  EXPECT_FALSE(t.has_biases());
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(t.Row(i), t.data().data() + 16 * i);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.Row(i)) % 64, 0u);
  }
  for (float x : t.data()) EXPECT_EQ(x, 0.0f);
}

TEST(FactorTableShapeTest, FindRowBinarySearchesKeys) {
  FactorTable t(3, 2);
  t.keys() = {5, 9, 1000};
  EXPECT_EQ(t.FindRow(5), 0);
  EXPECT_EQ(t.FindRow(1000), 2);
  EXPECT_EQ(t.FindRow(6), -1);
  EXPECT_EQ(t.FindRow(2000), -1);
}

TEST_F(FactorTableTest, RoundTripsWithAndWithoutBiases) {
  for (bool biases : {false, true}) {
    for (int dim : {0, 1, 7, 16, 64}) {
      const FactorTable t = RandomTable(37, dim, biases, dim);
      ASSERT_TRUE(WriteFactorTable(fs_.get(), kPath, t).ok());
      auto read = ReadFactorTable(fs_.get(), kPath);
      ASSERT_TRUE(read.ok()) << read.status();
      ExpectSame(t, *read);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(read->data().data()) % 64, 0u);
    }
  }
  const FactorTable empty;
  ASSERT_TRUE(WriteFactorTable(fs_.get(), kPath, empty).ok());
  auto read = ReadFactorTable(fs_.get(), kPath);
  ASSERT_TRUE(read.ok()) << read.status();
  ExpectSame(empty, *read);
}

TEST_F(FactorTableTest, WriterRejectsInvalidTables) {
  FactorTable t = RandomTable(4, 3, false, 1);
  t.keys()[2] = t.keys()[1];
  absl::Status s = WriteFactorTable(fs_.get(), kPath, t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(s.message(), "keys not strictly ascending at row 2"))
      << s;
  t = RandomTable(4, 3, true, 1);
  t.Row(3)[1] = INFINITY;
  s = WriteFactorTable(fs_.get(), kPath, t);
  EXPECT_TRUE(absl::StrContains(s.message(), "at row 3 column 1")) << s;
  t = RandomTable(4, 3, true, 1);
  t.biases().push_back(0.0f);
  EXPECT_EQ(WriteFactorTable(fs_.get(), kPath, t).code(),
            absl::StatusCode::kInvalidArgument);
  t = RandomTable(4, 3, false, 1);
  t.keys().pop_back();
  EXPECT_EQ(WriteFactorTable(fs_.get(), kPath, t).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs_->Exists(kPath));
}

TEST_F(FactorTableTest, ReaderRejectsInvalidContentsWithValidChecksums) {
  // meta: rows, dim, has_biases, reserved.
  ASSERT_TRUE(ReadCrafted({2, 2, 1, 0}, {1, 2}, {1, 2, 3, 4}, {0, 0}).ok());
  absl::Status s = ReadCrafted({2, 2, 1, 0}, {2, 2}, {1, 2, 3, 4}, {0, 0});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "keys not strictly ascending"))
      << s;
  s = ReadCrafted({2, 2, 1, 0}, {1, 2}, {1, NAN, 3, 4}, {0, 0});
  EXPECT_TRUE(absl::StrContains(s.message(), "non-finite factor")) << s;
  s = ReadCrafted({2, 2, 1, 0}, {1, 2}, {1, 2, 3, 4}, {0, -INFINITY});
  EXPECT_TRUE(absl::StrContains(s.message(), "non-finite bias")) << s;
  s = ReadCrafted({2, 2, 1, 0}, {1, 2}, {1, 2, 3}, {0, 0});
  EXPECT_TRUE(absl::StrContains(s.message(), "'factors' has 3 values")) << s;
  s = ReadCrafted({2, 2, 0, 0}, {1, 2}, {1, 2, 3, 4}, {0, 0});
  EXPECT_TRUE(absl::StrContains(s.message(), "'biases' has 2 entries")) << s;
  s = ReadCrafted({3, 2, 0, 0}, {1, 2}, {1, 2, 3, 4}, {});
  EXPECT_TRUE(absl::StrContains(s.message(), "'keys' has 2 entries")) << s;
  s = ReadCrafted({2, uint64_t{1} << 40, 0, 0}, {1, 2}, {1, 2, 3, 4}, {});
  EXPECT_TRUE(absl::StrContains(s.message(), "exceeds the maximum")) << s;
  s = ReadCrafted({2, 0, 0, 0}, {1, 2}, {1, 2, 3, 4}, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  s = ReadCrafted({2, 2, 0, 5}, {1, 2}, {1, 2, 3, 4}, {});
  EXPECT_TRUE(absl::StrContains(s.message(), "reserved")) << s;
}

TEST_F(FactorTableTest, DocumentedExampleHasTheDocumentedBytes) {
  // docs/formats/factor_table.md, "Example".
  FactorTable t(2, 3);
  t.keys() = {5, 9};
  t.biases() = {0.5f, -0.5f};
  ASSERT_TRUE(WriteFactorTable(fs_.get(), kPath, t).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  ASSERT_EQ(f.size(), 576u);
  EXPECT_EQ(f.substr(0, 8), "TLRFAC01");
  uint64_t meta[4];
  std::memcpy(meta, &f[128], sizeof(meta));
  EXPECT_EQ(std::vector<uint64_t>(meta, meta + 4),
            (std::vector<uint64_t>{2, 3, 1, 0}));
  uint64_t keys[2];
  std::memcpy(keys, &f[256], sizeof(keys));
  EXPECT_EQ(keys[1], 9u);
}

TEST_F(FactorTableTest, EveryByteFlipAndTruncationIsRejected) {
  const FactorTable t = RandomTable(5, 3, true, 9);
  ASSERT_TRUE(WriteFactorTable(fs_.get(), kPath, t).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  for (size_t i = 0; i < f.size(); ++i) {
    for (char mask : {'\x01', '\x80'}) {
      std::string corrupt = f;
      corrupt[i] ^= mask;
      EXPECT_FALSE(ReadBytes(corrupt).ok()) << "byte " << i;
    }
  }
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_FALSE(ReadBytes(f.substr(0, n)).ok()) << "length " << n;
  }
  EXPECT_TRUE(ReadBytes(f).ok());
}

TEST_F(FactorTableTest, SampledFlipsAndGarbageAreRejected) {
  const FactorTable t = RandomTable(3000, 16, true, 10);
  ASSERT_TRUE(WriteFactorTable(fs_.get(), kPath, t).ok());
  const std::string f = ReadFileToString(fs_.get(), kPath).value();
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string corrupt = f;
    const size_t i = rng() % f.size();
    corrupt[i] ^= static_cast<char>(1 + rng() % 255);
    EXPECT_FALSE(ReadBytes(corrupt).ok()) << "byte " << i;
  }
  for (int trial = 0; trial < 300; ++trial) {
    std::string g(rng() % 1000, '\0');
    for (char& c : g) c = static_cast<char>(rng());
    if (trial % 3 == 0 && g.size() >= 8) g.replace(0, 8, "TLRFAC01");
    EXPECT_FALSE(ReadBytes(g).ok()) << "trial " << trial;
  }
}

}  // namespace
}  // namespace tailor
