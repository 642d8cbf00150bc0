// PsClient against two in-process shards on 127.0.0.1:0.

#include "parameter_server/ps_client.h"

#include <memory>
#include <thread>
#include <vector>

#include "core/file_system.h"
#include "core/shard_router.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/initializer.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/test_server.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

class PsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewInMemoryFileSystem();
    for (uint32_t s = 0; s < 2; ++s) {
      TestServerOptions o;
      o.shard_index = s;
      o.num_shards = 2;
      o.fs = fs_.get();
      TAILOR_ASSERT_OK_AND_ASSIGN(auto server, TestServer::Start(o));
      servers_.push_back(std::move(server));
    }
    client_ = NewClient(7);
    TAILOR_ASSERT_OK(client_->CreateTable(Spec()));
  }
  std::unique_ptr<PsClient> NewClient(uint64_t worker_id) {
    PsClientOptions o;
    for (auto& s : servers_) o.shard_addresses.push_back(s->address());
    o.worker_id = worker_id;
    o.first_request_id = 1;
    o.timeout_ms = 10000;
    o.initial_backoff_ms = 1;
    return *PsClient::Create(o);
  }
  static TableSpec Spec() {
    TableSpec s;
    s.name = "items";
    s.dim = kDim;
    s.init.kind = InitializerSpec::Kind::kNormal;
    s.init.seed = 21;
    s.init.stddev = 0.3f;
    return s;
  }
  static std::vector<uint64_t> Keys(int n, uint64_t stride = 7919) {
    std::vector<uint64_t> k(n);
    for (int i = 0; i < n; ++i) k[i] = 1000 + i * stride;
    return k;
  }
  // Dyadic values so that double sums are exact in any order.
  static std::vector<float> Rows(size_t n) {
    std::vector<float> v(n * kDim);
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] = static_cast<float>(static_cast<int>((i * 13) % 33) - 16) / 8.0f;
    }
    return v;
  }
  uint64_t StoredRows(int shard) {
    return servers_[shard]->state().GetTable("items")->rows;
  }

  static constexpr int kDim = 16;
  std::unique_ptr<FileSystem> fs_;
  std::vector<std::unique_ptr<TestServer>> servers_;
  std::unique_ptr<PsClient> client_;
};

TEST_F(PsClientTest, KeysGoToTheirRoutedShardAndComeBackInOrder) {
  const std::vector<uint64_t> keys = Keys(5000);
  const std::vector<float> rows = Rows(keys.size());
  TAILOR_ASSERT_OK_AND_ASSIGN(PushSummary push,
                              client_->Push("items", keys, rows, {}));
  EXPECT_EQ(push.rows_applied, 5000);
  EXPECT_EQ(push.rows_created, 5000);
  EXPECT_EQ(push.requests, 2);
  ShardRouter router = *ShardRouter::Create(2);
  std::vector<std::vector<uint64_t>> split = router.Split(keys);
  EXPECT_EQ(StoredRows(0), split[0].size());
  EXPECT_EQ(StoredRows(1), split[1].size());
  EXPECT_GT(split[0].size(), 1000u);
  EXPECT_GT(split[1].size(), 1000u);
  // Each shard holds exactly its keys.
  for (int s = 0; s < 2; ++s) {
    std::vector<float> out(split[s].size() * kDim);
    uint64_t version;
    TAILOR_ASSERT_OK(servers_[s]->state().ReadRows("items", split[s], true,
                                                   out.data(), &version));
  }
  std::vector<float> out(rows.size(), -99.0f);
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(out)));
  EXPECT_EQ(out, rows);
}

TEST_F(PsClientTest, PullMixesStoredAndInitialRows) {
  const std::vector<uint64_t> stored = {10, 30};
  const std::vector<float> rows = Rows(2);
  TAILOR_ASSERT_OK(client_->Push("items", stored, rows, {}).status());
  const std::vector<uint64_t> keys = {10, 20, 30};
  std::vector<float> out(3 * kDim);
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(out)));
  std::vector<float> init(kDim);
  InitialRow(Spec().init, 20, absl::MakeSpan(init));
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + kDim),
            std::vector<float>(rows.begin(), rows.begin() + kDim));
  EXPECT_EQ(std::vector<float>(out.begin() + kDim, out.begin() + 2 * kDim),
            init);
  PullOptions strict;
  strict.require_existing = true;
  absl::Status s = client_->Pull("items", keys, absl::MakeSpan(out), strict);
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("Pull on shard")));
  ASSERT_TRUE(GetErrorInfo(s).has_value());
  EXPECT_EQ(GetErrorInfo(s)->key(), 20u);
}

TEST_F(PsClientTest, LargeBatchesAreSplitIntoRequestsAndChunks) {
  // 300000 keys: more than kMaxRequestKeys per shard, many chunks each.
  const std::vector<uint64_t> keys = Keys(300000, 3);
  const std::vector<float> rows = Rows(keys.size());
  TAILOR_ASSERT_OK(client_->Push("items", keys, rows, {}).status());
  std::vector<float> out(rows.size());
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(out)));
  EXPECT_EQ(out, rows);
}

TEST_F(PsClientTest, GramSummedOverShardsEqualsTheLocalComputation) {
  const std::vector<uint64_t> keys = Keys(3000);
  const std::vector<float> rows = Rows(keys.size());
  TAILOR_ASSERT_OK(client_->Push("items", keys, rows, {}).status());
  GramOptions options;
  options.include_row_sum = true;
  TAILOR_ASSERT_OK_AND_ASSIGN(GramSum g,
                              client_->GramPartial("items", options));
  ASSERT_EQ(g.dim, kDim);
  EXPECT_EQ(g.rows_summed, 3000);
  for (int i = 0; i < kDim; ++i) {
    double sum = 0;
    for (size_t r = 0; r < keys.size(); ++r) sum += rows[r * kDim + i];
    EXPECT_EQ(g.row_sum[i], sum);
    for (int j = 0; j < kDim; ++j) {
      double local = 0;
      for (size_t r = 0; r < keys.size(); ++r) {
        local += double{rows[r * kDim + i]} * rows[r * kDim + j];
      }
      ASSERT_EQ(g.gram[i * kDim + j], local) << i << "," << j;
    }
  }
  // An explicit key set counts unwritten keys with their initial value.
  GramOptions subset;
  subset.keys = std::vector<uint64_t>{5, keys[0]};
  TAILOR_ASSERT_OK_AND_ASSIGN(GramSum s, client_->GramPartial("items", subset));
  std::vector<float> init(kDim);
  InitialRow(Spec().init, 5, absl::MakeSpan(init));
  EXPECT_EQ(s.rows_summed, 2);
  EXPECT_EQ(s.gram[0], double{rows[0]} * rows[0] + double{init[0]} * init[0]);
}

TEST_F(PsClientTest, RetriedPushIsAppliedOnce) {
  const std::vector<uint64_t> keys = Keys(100);
  std::vector<float> ones(keys.size() * kDim, 1.0f);
  PushOptions add;
  add.op = PushOp::kAdd;
  std::vector<float> before(ones.size());
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(before)));
  // Both shards apply the push, then lose the answer: the client retries
  // with the same request ids and the shards acknowledge the repeats.
  servers_[0]->service().FailPushesAfterApplyForTesting(1);
  servers_[1]->service().FailPushesAfterApplyForTesting(2);
  TAILOR_ASSERT_OK_AND_ASSIGN(PushSummary s,
                              client_->Push("items", keys, ones, add));
  EXPECT_EQ(s.requests, 2);
  EXPECT_EQ(s.requests_already_applied, 2);
  std::vector<float> after(ones.size());
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(after)));
  for (size_t i = 0; i < after.size(); ++i) {
    ASSERT_EQ(after[i], before[i] + 1.0f) << i;
  }
  EXPECT_EQ(servers_[0]->state().GetTable("items")->version, 1u);
  EXPECT_EQ(servers_[1]->state().GetTable("items")->version, 1u);
}

TEST_F(PsClientTest, ErrorsNameTheRpcShardAndAddress) {
  std::vector<float> out(kDim);
  absl::Status s =
      client_->Pull("nope", std::vector<uint64_t>{1}, absl::MakeSpan(out));
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kNotFound, HasSubstr("Pull on shard")));
  EXPECT_THAT(s.message(), HasSubstr("127.0.0.1:"));
  EXPECT_THAT(s.message(), HasSubstr("'nope'"));
  EXPECT_THAT(
      client_->Pull("items", std::vector<uint64_t>{2, 1}, absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<float> wrong(kDim + 1);
  EXPECT_THAT(
      client_->Pull("items", std::vector<uint64_t>{1}, absl::MakeSpan(wrong)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dim")));
}

TEST_F(PsClientTest, UnreachableShardFailsAfterBoundedRetries) {
  PsClientOptions o;
  o.shard_addresses = {servers_[0]->address(), "127.0.0.1:1"};
  o.worker_id = 3;
  o.timeout_ms = 2000;
  o.max_attempts = 3;
  o.initial_backoff_ms = 1;
  auto client = *PsClient::Create(o);
  std::vector<float> out(2 * kDim);
  absl::Status s = client->Pull("items", Keys(2), absl::MakeSpan(out));
  EXPECT_THAT(
      s, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
  EXPECT_THAT(s.message(), HasSubstr("after 3 attempts"));
}

TEST_F(PsClientTest, ClockWaitsForEveryWorker) {
  auto other = NewClient(8);
  absl::StatusOr<ClockResult> first;
  std::thread t([&] { first = client_->Clock(0, 2, 1, 0); });
  TAILOR_ASSERT_OK_AND_ASSIGN(ClockResult second, other->Clock(1, 2, 1, 0));
  t.join();
  TAILOR_ASSERT_OK(first.status());
  EXPECT_EQ(first->min_clock, 1);
  EXPECT_EQ(second.min_clock, 1);
  TAILOR_ASSERT_OK(client_->Barrier("b", 0, 0, 1));
}

TEST_F(PsClientTest, CheckpointAndRestoreEveryShard) {
  const std::vector<uint64_t> keys = Keys(200);
  const std::vector<float> rows = Rows(keys.size());
  TAILOR_ASSERT_OK(client_->Push("items", keys, rows, {}).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<std::string> paths,
                              client_->Checkpoint("/ckpt", 3));
  EXPECT_EQ(paths, (std::vector<std::string>{"/ckpt/00000003/shard-0-of-2",
                                             "/ckpt/00000003/shard-1-of-2"}));
  std::vector<float> zeros(rows.size(), 0.0f);
  TAILOR_ASSERT_OK(client_->Push("items", keys, zeros, {}).status());
  TAILOR_ASSERT_OK_AND_ASSIGN(int64_t it, client_->Restore("/ckpt", -1));
  EXPECT_EQ(it, 3);
  std::vector<float> out(rows.size());
  TAILOR_ASSERT_OK(client_->Pull("items", keys, absl::MakeSpan(out)));
  EXPECT_EQ(out, rows);
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<ShardStats> stats, client_->Stats());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].rows + stats[1].rows, 200u);
  EXPECT_EQ(stats[1].shard_index, 1u);
  EXPECT_GE(stats[0].methods.at("Push").requests, 2u);
}

}  // namespace
}  // namespace tailor
