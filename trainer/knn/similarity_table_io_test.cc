#include "trainer/knn/similarity_table_io.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace tailor {
namespace {

NeighborTable Small() {
  NeighborTable t;
  t.rows = 3;
  t.indptr = {0, 2, 2, 3};
  t.neighbors = {2, 1, 0};
  t.similarities = {0.9f, 0.5f, 0.25f};
  return t;
}

TEST(SimilarityTableIoTest, RoundTrip) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  SimilarityTableInfo info;
  info.item_based = false;
  info.metric = SimilarityMetric::kPearson;
  info.max_neighbors = 2;
  ASSERT_TRUE(fs->CreateDirs("/m").ok());
  absl::Status written =
      WriteSimilarityTable(fs.get(), "/m/sim.bin", Small(), info);
  ASSERT_TRUE(written.ok()) << written;
  SimilarityTableInfo read_info;
  absl::StatusOr<NeighborTable> t =
      ReadSimilarityTable(fs.get(), "/m/sim.bin", &read_info);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->rows, 3);
  EXPECT_EQ(t->indptr, Small().indptr);
  EXPECT_EQ(t->neighbors, Small().neighbors);
  EXPECT_EQ(t->similarities, Small().similarities);
  EXPECT_FALSE(read_info.item_based);
  EXPECT_EQ(read_info.metric, SimilarityMetric::kPearson);
  EXPECT_EQ(read_info.max_neighbors, 2);
}

TEST(SimilarityTableIoTest, CorruptionIsDataLoss) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_TRUE(WriteSimilarityTable(fs.get(), "/sim.bin", Small(), {}).ok());
  absl::StatusOr<std::string> read = ReadFileToString(fs.get(), "/sim.bin");
  ASSERT_TRUE(read.ok()) << read.status();
  std::string bytes = *read;
  // The last section (similarities) is 12 bytes padded to 64: flip a bit of
  // its first float.
  bytes[bytes.size() - 64] ^= 0x40;
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/sim.bin", bytes).ok());
  absl::StatusOr<NeighborTable> t =
      ReadSimilarityTable(fs.get(), "/sim.bin", nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(t.status().message().find("/sim.bin"), std::string::npos);
}

TEST(SimilarityTableIoTest, InvalidTableIsNotWritten) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  NeighborTable t = Small();
  t.neighbors[0] = 0;  // row 0 listing itself
  EXPECT_FALSE(WriteSimilarityTable(fs.get(), "/sim.bin", t, {}).ok());
  EXPECT_FALSE(fs->Exists("/sim.bin"));
}

}  // namespace
}  // namespace tailor
