// A retried push is applied exactly once (docs/netfault.md): two tailor_ps
// shards, each behind a FaultProxy; the proxy cuts the connection after the
// shard has handled a Push but before its answer reaches the client, the
// client (PsClient) retries with the same (worker_id, request_id), and the
// shard's dedup memory (parameter_server/push_dedup) acknowledges the repeat
// without applying it again. Pushes use ADD, so a double application would
// show in the values, which are read back from the shards directly.

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_client.h"
#include "tests/netfault/child_process.h"
#include "tools/netfault/fault_proxy.h"

namespace tailor {
namespace netfault {
namespace {

constexpr char kPs[] = "parameter_server/tailor_ps";
constexpr int kShards = 2;
constexpr int kDim = 3;
constexpr char kTable[] = "counts";

class PushRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        ::testing::TempDir(), "/push_retry_",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(
        system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str()),
        0);
    for (int i = 0; i < kShards; ++i) {
      auto shard = std::make_unique<ChildProcess>();
      const std::string port_file = absl::StrCat(dir_, "/ps", i, ".port");
      TAILOR_ASSERT_OK(shard->Start(
          {kPs, "--insecure", "--port=0", "--port_file=" + port_file,
           absl::StrCat("--shard_index=", i),
           absl::StrCat("--num_shards=", kShards),
           "--checkpoint_dir=" + dir_ + "/ckpt", "--insecure",
           "--undefok=insecure"},
          absl::StrCat(dir_, "/ps", i, ".out"),
          absl::StrCat(dir_, "/ps", i, ".err")));
      TAILOR_ASSERT_OK_AND_ASSIGN(
          int port, shard->WaitForPort(port_file, absl::Seconds(60)));
      direct_.push_back(absl::StrCat("127.0.0.1:", port));
      FaultProxyOptions po;
      po.target_port = port;
      TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<FaultProxy> proxy,
                                  FaultProxy::Create(po));
      proxied_.push_back(proxy->address());
      proxies_.push_back(std::move(proxy));
      shards_.push_back(std::move(shard));
    }
    // The worker's client goes through the proxies; the checker's does not.
    PsClientOptions worker;
    worker.shard_addresses = proxied_;
    worker.worker_id = 7;
    worker.timeout_ms = 10000;
    TAILOR_ASSERT_OK_AND_ASSIGN(worker_, PsClient::Create(worker));
    PsClientOptions checker;
    checker.shard_addresses = direct_;
    checker.worker_id = 8;
    TAILOR_ASSERT_OK_AND_ASSIGN(checker_, PsClient::Create(checker));
    TableSpec spec;
    spec.name = kTable;
    spec.dim = kDim;
    TAILOR_ASSERT_OK(checker_->CreateTable(spec));
    for (uint64_t k = 1; k <= 64; ++k) keys_.push_back(k * 0x9e3779b97f4a7c15u);
    std::sort(keys_.begin(), keys_.end());
  }

  // Pushes +1 (times the row's index + 1) to every key through the proxies.
  absl::StatusOr<PushSummary> AddOnce() {
    std::vector<float> rows(keys_.size() * kDim);
    for (size_t r = 0; r < keys_.size(); ++r) {
      for (int d = 0; d < kDim; ++d) rows[r * kDim + d] = float(r + 1);
    }
    PushOptions options;
    options.op = PushOp::kAdd;
    return worker_->Push(kTable, keys_, rows, options);
  }

  // Every value equals `times` additions.
  void ExpectAppliedTimes(int times) {
    std::vector<float> rows(keys_.size() * kDim);
    TAILOR_ASSERT_OK(checker_->Pull(kTable, keys_, absl::MakeSpan(rows)));
    for (size_t r = 0; r < keys_.size(); ++r) {
      for (int d = 0; d < kDim; ++d) {
        ASSERT_EQ(rows[r * kDim + d], float(times) * float(r + 1))
            << "key " << keys_[r] << " after " << times << " pushes";
      }
    }
  }

  std::string dir_;
  std::vector<std::unique_ptr<ChildProcess>> shards_;
  std::vector<std::unique_ptr<FaultProxy>> proxies_;
  std::vector<std::string> direct_, proxied_;
  std::unique_ptr<PsClient> worker_, checker_;
  std::vector<uint64_t> keys_;
};

TEST_F(PushRetryTest, AnswerLostAfterApplyIsRetriedAndAppliedOnce) {
  // Warm the connections so the cut hits the Push, not a handshake.
  TAILOR_ASSERT_OK_AND_ASSIGN(PushSummary first, AddOnce());
  EXPECT_EQ(first.requests_already_applied, 0);
  ExpectAppliedTimes(1);

  proxies_[1]->DropOnNextResponse();
  TAILOR_ASSERT_OK_AND_ASSIGN(PushSummary retried, AddOnce());
  EXPECT_EQ(proxies_[1]->stats().responses_cut, 1);
  EXPECT_EQ(proxies_[0]->stats().responses_cut, 0);
  // Shard 1 handled the first attempt; the retry was acknowledged as a
  // repeat, not applied.
  EXPECT_EQ(retried.requests_already_applied, 1);
  ExpectAppliedTimes(2);
}

TEST_F(PushRetryTest, EveryShardCutOnEveryPushStillAppliesEachOnce) {
  TAILOR_ASSERT_OK(AddOnce().status());
  constexpr int kRounds = 5;
  int repeats = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (auto& proxy : proxies_) proxy->DropOnNextResponse();
    TAILOR_ASSERT_OK_AND_ASSIGN(PushSummary s, AddOnce());
    repeats += static_cast<int>(s.requests_already_applied);
  }
  EXPECT_EQ(repeats, kRounds * kShards);
  for (auto& proxy : proxies_) {
    EXPECT_EQ(proxy->stats().responses_cut, kRounds);
  }
  ExpectAppliedTimes(1 + kRounds);
}

TEST_F(PushRetryTest, AttemptsHeldByAPartitionAreAppliedOnceAfterTheHeal) {
  TAILOR_ASSERT_OK(AddOnce().status());
  // Attempts time out while a partition holds them; the retries (same
  // request id) queue behind them on the same connection. At the heal the
  // shard receives every attempt: exactly one may apply.
  PsClientOptions quick;
  quick.shard_addresses = proxied_;
  quick.worker_id = 7;  // the same worker as AddOnce, a later request id
  quick.timeout_ms = 500;
  quick.max_attempts = 5;
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<PsClient> client,
                              PsClient::Create(quick));
  std::vector<float> scratch(keys_.size() * kDim);
  TAILOR_ASSERT_OK(
      client->Pull(kTable, keys_, absl::MakeSpan(scratch)));  // connect
  proxies_[0]->SetPartitioned(true);
  absl::StatusOr<PushSummary> pushed;
  std::thread pusher([&] {
    std::vector<float> rows(keys_.size() * kDim);
    for (size_t r = 0; r < keys_.size(); ++r) {
      for (int d = 0; d < kDim; ++d) rows[r * kDim + d] = float(r + 1);
    }
    PushOptions options;
    options.op = PushOp::kAdd;
    pushed = client->Push(kTable, keys_, rows, options);
  });
  // The fault: a partition of 1.2 s, longer than two attempts (500 ms each
  // plus backoff), shorter than the client's whole retry budget (~3.2 s).
  absl::SleepFor(absl::Milliseconds(1200));
  proxies_[0]->SetPartitioned(false);
  pusher.join();
  TAILOR_ASSERT_OK(pushed.status());
  ExpectAppliedTimes(2);
}

TEST_F(PushRetryTest, ShardUnreachableForGoodFailsThePushWithAClearError) {
  TAILOR_ASSERT_OK(AddOnce().status());
  PsClientOptions quick;
  quick.shard_addresses = proxied_;
  quick.worker_id = 9;
  quick.timeout_ms = 300;
  quick.max_attempts = 3;
  TAILOR_ASSERT_OK_AND_ASSIGN(std::unique_ptr<PsClient> client,
                              PsClient::Create(quick));
  proxies_[1]->SetPartitioned(true);
  std::vector<float> rows(keys_.size() * kDim, 1.0f);
  PushOptions options;
  options.op = PushOp::kAdd;
  const absl::Time start = absl::Now();
  const absl::Status s = client->Push(kTable, keys_, rows, options).status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s) || absl::IsUnavailable(s)) << s;
  EXPECT_NE(s.message().find(proxied_[1]), std::string::npos) << s;
  proxies_[1]->SetPartitioned(false);
}

}  // namespace
}  // namespace netfault
}  // namespace tailor
