#include "core/dataset/dataset.h"

#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

// Users u1 (key 20), u2 (key 10); items a (key 5), b (key 6).
void WriteSmall(FileSystem* fs, const std::string& dir) {
  DatasetWriterOptions o;
  o.fs = fs;
  o.output_dir = dir;
  o.target_partition_entries = 1;  // one partition per row
  auto w = DatasetWriter::Create(o).value();
  w->items().SetAttributeNames({"title"});
  const uint32_t u1 = w->users().Intern(20, "u1").value();
  const uint32_t u2 = w->users().Intern(10, "u2").value();
  const uint32_t a = w->items().Intern(5, "a").value();
  const uint32_t b = w->items().Intern(6, "b").value();
  w->items().SetAttributes(b, {"Bee\tmovie"});
  ASSERT_THAT(w->Add(u1, b, 4, 100, 0), IsOk());
  ASSERT_THAT(w->Add(u1, a, 3, 50, 0), IsOk());
  ASSERT_THAT(w->Add(u2, b, 5, 70, 0), IsOk());
  ASSERT_THAT(w->Add(u1, b, 2, 10, 0), IsOk());
  DatasetManifest m;
  m.has_timestamps = true;
  m.value_name = "rating";
  ASSERT_THAT(w->Finish(m), IsOk());
}

TEST(DatasetTest, ReadsTablesInKeyOrderAndTheMatrix) {
  auto fs = NewInMemoryFileSystem();
  WriteSmall(fs.get(), "/ds");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/ds"));
  EXPECT_EQ(ds->manifest().value_name, "rating");
  EXPECT_EQ(ds->manifest().min_timestamp, 10);
  EXPECT_EQ(ds->manifest().max_timestamp, 100);
  EXPECT_EQ(ds->users().keys, (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(ds->users().external_ids, (std::vector<std::string>{"u2", "u1"}));
  EXPECT_EQ(ds->items().attributes[1][0], "Bee\tmovie");
  EXPECT_EQ(ds->items().attributes[0][0], "");
  EXPECT_EQ(ds->users().Find(20), 1);
  EXPECT_EQ(ds->users().Find(21), -1);
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  EXPECT_EQ(um.matrix.indptr, (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(um.matrix.indices, (std::vector<uint32_t>{1, 0, 1, 1}));
  EXPECT_EQ(um.matrix.data, (std::vector<float>{5, 3, 2, 4}));
  EXPECT_EQ(um.timestamps, (std::vector<int64_t>{70, 50, 10, 100}));
  EXPECT_TRUE(um.amounts.empty());
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock im, ds->LoadItemMajor());
  EXPECT_EQ(im.matrix.indptr, (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(im.matrix.indices, (std::vector<uint32_t>{1, 0, 1, 1}));
  EXPECT_EQ(im.timestamps, (std::vector<int64_t>{50, 70, 10, 100}));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      SparseBlock p0, ds->LoadPartition(BlockOrientation::kUserMajor, 0));
  EXPECT_EQ(p0.first_row, 0u);
  EXPECT_THAT(ds->VerifyAllChecksums(), IsOk());
}

TEST(DatasetTest, MissingManifestIsNotFound) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/empty"), IsOk());
  EXPECT_THAT(
      Dataset::Open(fs.get(), "/empty"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("manifest.json")));
}

// Flips one byte of `path` without changing its size.
void FlipByte(FileSystem* fs, const std::string& path, size_t at) {
  std::string bytes = ReadFileToString(fs, path).value();
  bytes[at % bytes.size()] ^= 0x20;
  ASSERT_THAT(WriteStringToFile(fs, path, bytes), IsOk());
}

TEST(DatasetTest, CorruptTableIsNamedAtOpen) {
  auto fs = NewInMemoryFileSystem();
  WriteSmall(fs.get(), "/ds");
  FlipByte(fs.get(), "/ds/items.tsv", 20);
  EXPECT_THAT(Dataset::Open(fs.get(), "/ds"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("/ds/items.tsv"),
                             HasSubstr("checksum mismatch"))));
}

TEST(DatasetTest, CorruptBlockIsNamedAtLoad) {
  auto fs = NewInMemoryFileSystem();
  WriteSmall(fs.get(), "/ds");
  FlipByte(fs.get(), "/ds/item_major/part-00001.blk", 100);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/ds"));
  EXPECT_THAT(ds->LoadUserMajor(), IsOk());
  EXPECT_THAT(ds->LoadItemMajor(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("/ds/item_major/part-00001.blk")));
  EXPECT_THAT(ds->VerifyAllChecksums(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("item_major/part-00001.blk")));
}

TEST(DatasetTest, TruncatedFileIsNamedAtOpen) {
  auto fs = NewInMemoryFileSystem();
  WriteSmall(fs.get(), "/ds");
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ds/user_major/part-00000.blk", "x"),
              IsOk());
  EXPECT_THAT(Dataset::Open(fs.get(), "/ds"),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("/ds/user_major/part-00000.blk")));
}

}  // namespace
}  // namespace tailor
