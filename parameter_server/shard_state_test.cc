#include "parameter_server/shard_state.h"

#include <thread>
#include <vector>

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/initializer.h"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

class ShardStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewInMemoryFileSystem();
    ShardStateOptions options;
    options.shard_index = 1;
    options.num_shards = 2;
    options.fs = fs_.get();
    options.max_push_bytes = 1 << 20;
    state_ = *ShardState::Create(options);
    bool existed;
    TAILOR_ASSERT_OK(state_->CreateTable(Spec(), &existed).status());
  }
  static TableSpec Spec(int dim = 4) {
    TableSpec s;
    s.name = "items";
    s.dim = dim;
    s.init.kind = InitializerSpec::Kind::kNormal;
    s.init.seed = 5;
    s.init.stddev = 0.1f;
    return s;
  }
  static PushHeaderInfo Header(uint64_t request_id,
                               PushOp op = PushOp::kAssign) {
    PushHeaderInfo h;
    h.table = "items";
    h.op = op;
    h.worker_id = 9;
    h.request_id = request_id;
    return h;
  }
  absl::StatusOr<PushResult> PushRows(uint64_t request_id,
                                      std::vector<uint64_t> keys, float value,
                                      PushOp op = PushOp::kAssign) {
    auto pending = state_->BeginPush(Header(request_id, op));
    if (!pending.ok()) return pending.status();
    std::vector<float> rows(keys.size() * 4, value);
    absl::Status s = (*pending)->AddChunk(keys, 4, rows);
    if (!s.ok()) return s;
    return state_->CommitPush(**pending);
  }
  std::vector<float> Read(std::vector<uint64_t> keys) {
    std::vector<float> out(keys.size() * 4);
    uint64_t version;
    EXPECT_THAT(state_->ReadRows("items", keys, false, out.data(), &version),
                IsOk());
    return out;
  }

  std::unique_ptr<FileSystem> fs_;
  std::unique_ptr<ShardState> state_;
};

TEST_F(ShardStateTest, CreateTableIsIdempotentForTheSameSpec) {
  bool existed = false;
  TAILOR_ASSERT_OK(state_->CreateTable(Spec(), &existed).status());
  EXPECT_TRUE(existed);
  absl::StatusOr<TableInfo> other = state_->CreateTable(Spec(8), &existed);
  EXPECT_THAT(other, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(GetErrorInfo(other.status())->reason(),
            v1::ERROR_REASON_TABLE_EXISTS_WITH_OTHER_SPEC);
}

TEST_F(ShardStateTest, UnknownTableIsNotFound) {
  std::vector<float> out(4);
  uint64_t v;
  absl::Status s =
      state_->ReadRows("nope", std::vector<uint64_t>{1}, false, out.data(), &v);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("'nope'")));
  EXPECT_EQ(GetErrorInfo(s)->reason(), v1::ERROR_REASON_TABLE_NOT_FOUND);
}

TEST_F(ShardStateTest, PushIsAppliedOncePerRequestId) {
  TAILOR_ASSERT_OK_AND_ASSIGN(PushResult r,
                              PushRows(1, {3, 4}, 1.0f, PushOp::kAdd));
  EXPECT_EQ(r.rows_applied, 2);
  EXPECT_EQ(r.rows_created, 2);
  const std::vector<float> once = Read({3, 4});
  TAILOR_ASSERT_OK_AND_ASSIGN(r, PushRows(1, {3, 4}, 1.0f, PushOp::kAdd));
  EXPECT_TRUE(r.already_applied);
  EXPECT_EQ(r.rows_applied, 0);
  EXPECT_EQ(Read({3, 4}), once);
  TAILOR_ASSERT_OK_AND_ASSIGN(r, PushRows(2, {3}, 1.0f, PushOp::kAdd));
  EXPECT_FALSE(r.already_applied);
  EXPECT_EQ(r.table_version, 2u);
}

TEST_F(ShardStateTest, ABadChunkAppliesNothing) {
  auto pending = *state_->BeginPush(Header(5));
  std::vector<float> rows(8, 2.0f);
  TAILOR_ASSERT_OK(pending->AddChunk(std::vector<uint64_t>{1, 2}, 4, rows));
  EXPECT_THAT(
      pending->AddChunk(std::vector<uint64_t>{2, 3}, 4, rows),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index 2")));
  // The stream ends with an error: CommitPush is never called.
  std::vector<float> init(4);
  InitialRow(Spec().init, 1, absl::MakeSpan(init));
  EXPECT_EQ(Read({1}), init);
  EXPECT_EQ(state_->GetTable("items")->rows, 0);
}

TEST_F(ShardStateTest, PushHeaderIsValidated) {
  PushHeaderInfo h = Header(0);
  EXPECT_THAT(state_->BeginPush(h), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("request_id")));
  h = Header(1, PushOp::kOptimizerStep);  // no optimizer kind
  EXPECT_THAT(state_->BeginPush(h), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("Push to table")));
}

TEST_F(ShardStateTest, OversizedPushIsResourceExhausted) {
  auto pending = *state_->BeginPush(Header(6));
  std::vector<float> rows(4, 1.0f);
  absl::Status s;
  for (uint64_t k = 0; s.ok() && k < 100000; ++k) {
    s = pending->AddChunk(std::vector<uint64_t>{k}, 4, rows);
  }
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetErrorInfo(s)->reason(), v1::ERROR_REASON_PUSH_TOO_LARGE);
}

// Eight threads add 1 to the same 64 keys 200 times each, with distinct
// request ids, while readers pull: every add lands exactly once.
TEST_F(ShardStateTest, ConcurrentAddsAreAllApplied) {
  std::vector<uint64_t> keys(64);
  for (int i = 0; i < 64; ++i) keys[i] = i * 11;
  TAILOR_ASSERT_OK(PushRows(1000000, keys, 0.0f).status());  // zero rows
  const int threads = 8, pushes = 200;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int p = 0; p < pushes; ++p) {
        auto r = PushRows(1 + t * pushes + p, keys, 1.0f, PushOp::kAdd);
        EXPECT_TRUE(r.ok()) << r.status();
        if (p % 20 == 0) Read(keys);
      }
    });
  }
  for (auto& w : workers) w.join();
  for (float v : Read(keys)) EXPECT_EQ(v, threads * pushes);
  EXPECT_EQ(state_->GetTable("items")->version, 1u + threads * pushes);
}

TEST_F(ShardStateTest, CheckpointRestoreRoundTrip) {
  TAILOR_ASSERT_OK(PushRows(1, {1, 2, 3}, 7.0f).status());
  TAILOR_ASSERT_OK(state_->clocks().Advance(0, 2, 3).status());
  TAILOR_ASSERT_OK(state_->clocks().Advance(1, 2, 2).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(CheckpointResult written,
                              state_->Checkpoint("/ckpt", 2, {}));
  EXPECT_EQ(written.path, "/ckpt/00000002/shard-1-of-2");
  EXPECT_EQ(written.rows, 3u);
  // Later changes are rolled back by the restore.
  TAILOR_ASSERT_OK(PushRows(2, {1, 9}, -1.0f).status());
  bool existed;
  TableSpec extra = Spec();
  extra.name = "extra";
  TAILOR_ASSERT_OK(state_->CreateTable(extra, &existed).status());
  // The test is shard 1 of 2: mark shard 0's part complete too.
  TAILOR_ASSERT_OK(fs_->CreateDirs("/ckpt/00000002/shard-0-of-2"));
  TAILOR_ASSERT_OK(WriteStringToFile(
      fs_.get(), "/ckpt/00000002/shard-0-of-2/manifest.json", "{}"));
  TAILOR_ASSERT_OK_AND_ASSIGN(RestoreResult r, state_->Restore("/ckpt", -1));
  EXPECT_EQ(r.iteration, 2);
  EXPECT_EQ(r.rows, 3u);
  EXPECT_EQ(r.clock, 2);
  EXPECT_EQ(r.tables, std::vector<std::string>{"items"});
  EXPECT_EQ(Read({1, 2, 3}), std::vector<float>(12, 7.0f));
  EXPECT_THAT(state_->GetTable("extra"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(state_->clocks().Snapshot().min_clock, 2);
  EXPECT_EQ(state_->clocks().Snapshot().max_clock, 2);
  // The push memory was cleared: request id 2 applies again.
  TAILOR_ASSERT_OK_AND_ASSIGN(PushResult p, PushRows(2, {1}, 3.0f));
  EXPECT_FALSE(p.already_applied);
}

TEST_F(ShardStateTest, CorruptCheckpointIsRefusedAndStateKept) {
  TAILOR_ASSERT_OK(PushRows(1, {1}, 7.0f).status());
  TAILOR_ASSERT_OK(state_->Checkpoint("/ckpt", 0, {}).status());
  TAILOR_ASSERT_OK(PushRows(2, {1}, 8.0f).status());
  const std::string file = "/ckpt/00000000/shard-1-of-2/table-items.tps";
  std::string bytes = *ReadFileToString(fs_.get(), file);
  bytes[bytes.size() - 70] ^= 1;
  TAILOR_ASSERT_OK(WriteStringToFile(fs_.get(), file, bytes));
  EXPECT_THAT(state_->Restore("/ckpt", 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(file)));
  EXPECT_EQ(Read({1}), std::vector<float>(4, 8.0f));
  EXPECT_THAT(state_->Restore("/ckpt", 7),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(state_->Restore("relative", 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(state_->Checkpoint("relative", 0, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ShardStateTest, GramOverStoredRows) {
  TAILOR_ASSERT_OK(PushRows(1, {1, 2}, 0.5f).status());
  GramSelection all;
  TAILOR_ASSERT_OK_AND_ASSIGN(GramResult g, state_->Gram("items", all));
  EXPECT_EQ(g.dim, 4);
  EXPECT_EQ(g.rows_summed, 2);
  for (double v : g.full) EXPECT_EQ(v, 0.5);
  for (double v : g.row_sum) EXPECT_EQ(v, 1.0);
}

}  // namespace
}  // namespace tailor
