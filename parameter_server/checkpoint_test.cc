#include "parameter_server/checkpoint.h"

#include <string>
#include <vector>

#include "core/fault_injecting_file_system.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TableCheckpoint SampleTable(const std::string& name, bool with_acc) {
  TableCheckpoint t;
  t.spec.name = name;
  t.spec.dim = 3;
  t.spec.init.kind = InitializerSpec::Kind::kUniform;
  t.spec.init.seed = 77;
  t.spec.init.low = -0.25f;
  t.spec.init.high = 0.75f;
  t.version = 12;
  t.keys = {2, 5, 1ull << 60};
  t.values = {1, 2, 3, 4, 5, 6, 7, 8, 9.5f};
  if (with_acc) {
    t.accumulators = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};
    t.initial_accumulator = 0.1f;
  }
  return t;
}

ShardCheckpointInfo Info(int64_t iteration, uint32_t shard = 0) {
  ShardCheckpointInfo info;
  info.shard_index = shard;
  info.num_shards = 2;
  info.iteration = iteration;
  info.clock = 4;
  info.num_workers = 3;
  return info;
}

absl::StatusOr<std::string> Write(FileSystem* fs, int64_t iteration,
                                  uint32_t shard = 0) {
  absl::StatusOr<CheckpointWriter> w =
      CheckpointWriter::Begin(fs, "/ckpt", Info(iteration, shard));
  if (!w.ok()) return w.status();
  absl::Status s = w->AddTable(SampleTable("items", true));
  if (s.ok()) s = w->AddTable(SampleTable("users", false));
  if (!s.ok()) return s;
  return w->Commit();
}

TEST(CheckpointTest, RoundTrip) {
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string path, Write(fs.get(), 3));
  EXPECT_EQ(path, "/ckpt/00000003/shard-0-of-2");
  EXPECT_TRUE(fs->Exists(path + "/manifest.json"));
  TAILOR_ASSERT_OK_AND_ASSIGN(ShardCheckpointContents c,
                              ReadShardCheckpoint(fs.get(), "/ckpt", 3, 0, 2));
  EXPECT_EQ(c.info.clock, 4);
  EXPECT_EQ(c.info.num_workers, 3u);
  ASSERT_EQ(c.tables.size(), 2u);
  const TableCheckpoint want = SampleTable("items", true);
  const TableCheckpoint& got = c.tables[0];
  EXPECT_EQ(got.spec.name, "items");
  EXPECT_EQ(got.spec.dim, 3);
  EXPECT_EQ(got.spec.init, want.spec.init);
  EXPECT_EQ(got.version, 12u);
  EXPECT_EQ(got.keys, want.keys);
  EXPECT_EQ(got.values, want.values);
  EXPECT_EQ(got.accumulators, want.accumulators);
  EXPECT_FLOAT_EQ(got.initial_accumulator, 0.1f);
  EXPECT_TRUE(c.tables[1].accumulators.empty());
}

TEST(CheckpointTest, EveryCorruptedByteOfATableFileIsRefused) {
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string dir, Write(fs.get(), 1));
  const std::string file = dir + "/table-users.tps";
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string good,
                              ReadFileToString(fs.get(), file));
  for (size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] ^= 0x20;
    TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), file, bad));
    absl::StatusOr<ShardCheckpointContents> c =
        ReadShardCheckpoint(fs.get(), "/ckpt", 1, 0, 2);
    ASSERT_THAT(c, StatusIs(absl::StatusCode::kDataLoss, HasSubstr(file)))
        << "byte " << i;
    EXPECT_EQ(GetErrorInfo(c.status())->reason(),
              v1::ERROR_REASON_CHECKSUM_MISMATCH);
  }
  TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), file, good.substr(0, 100)));
  EXPECT_THAT(ReadShardCheckpoint(fs.get(), "/ckpt", 1, 0, 2),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("bytes")));
}

TEST(CheckpointTest, DamagedManifestIsRefused) {
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string dir, Write(fs.get(), 1));
  TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), dir + "/manifest.json", "{tr"));
  EXPECT_THAT(
      ReadShardCheckpoint(fs.get(), "/ckpt", 1, 0, 2),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("manifest.json")));
}

TEST(CheckpointTest, MissingCheckpointIsNotFound) {
  auto fs = NewInMemoryFileSystem();
  absl::StatusOr<ShardCheckpointContents> c =
      ReadShardCheckpoint(fs.get(), "/ckpt", 9, 0, 2);
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(GetErrorInfo(c.status())->reason(),
            v1::ERROR_REASON_CHECKPOINT_NOT_FOUND);
}

TEST(CheckpointTest, NewestCompleteNeedsEveryShard) {
  auto fs = NewInMemoryFileSystem();
  EXPECT_THAT(NewestCompleteCheckpoint(fs.get(), "/ckpt", 2),
              StatusIs(absl::StatusCode::kNotFound));
  TAILOR_ASSERT_OK(Write(fs.get(), 2, 0).status());
  TAILOR_ASSERT_OK(Write(fs.get(), 2, 1).status());
  TAILOR_ASSERT_OK(Write(fs.get(), 5, 0).status());  // shard 1 missing
  TAILOR_ASSERT_OK(Write(fs.get(), 10, 0).status());
  TAILOR_ASSERT_OK(Write(fs.get(), 10, 1).status());
  TAILOR_ASSERT_OK(Write(fs.get(), 11, 0).status());
  EXPECT_EQ(NewestCompleteCheckpoint(fs.get(), "/ckpt", 2).value_or(-1), 10);
  // Directories name the shard count: a 1-shard job sees none of these.
  EXPECT_THAT(NewestCompleteCheckpoint(fs.get(), "/ckpt", 1),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(CheckpointTest, RewritingAnIterationReplacesIt) {
  auto fs = NewInMemoryFileSystem();
  TAILOR_ASSERT_OK(Write(fs.get(), 4).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(
      CheckpointWriter w, CheckpointWriter::Begin(fs.get(), "/ckpt", Info(4)));
  TAILOR_ASSERT_OK(w.AddTable(SampleTable("other", false)));
  TAILOR_ASSERT_OK(w.Commit().status());
  TAILOR_ASSERT_OK_AND_ASSIGN(ShardCheckpointContents c,
                              ReadShardCheckpoint(fs.get(), "/ckpt", 4, 0, 2));
  ASSERT_EQ(c.tables.size(), 1u);
  EXPECT_EQ(c.tables[0].spec.name, "other");
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<std::string> names,
                              fs->ListDir("/ckpt/00000004"));
  EXPECT_EQ(names, std::vector<std::string>{"shard-0-of-2"});
}

TEST(CheckpointTest, AFailedWriteLeavesNothingPublished) {
  auto base = NewInMemoryFileSystem();
  FaultInjectingFileSystem fs(base.get());
  FaultRule rule;
  rule.ops = {FsOp::kAppend};
  rule.skip = 3;
  rule.status = absl::UnavailableError("disk gone");
  fs.AddRule(rule);
  EXPECT_THAT(Write(&fs, 6), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(base->Exists("/ckpt/00000006/shard-0-of-2"));
  EXPECT_THAT(ReadShardCheckpoint(base.get(), "/ckpt", 6, 0, 2),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace tailor
