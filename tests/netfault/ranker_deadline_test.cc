// A Rank caller behind a bad network (docs/netfault.md): a real
// tailor_ranker serving a small generated model version, reached through a
// FaultProxy. With latency below the deadline calls are answered; with
// latency above it, a blackhole, a reset connection or refused connections,
// every call ends by its deadline (plus a small scheduling allowance) with
// DEADLINE_EXCEEDED or UNAVAILABLE; no call hangs, and after the fault the
// same channel serves again.

#include <signal.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/key_hash.h"
#include "core/model/model_version.h"
#include "core/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/model_loader.h"
#include "tailor/v1/ranker.grpc.pb.h"
#include "tests/netfault/child_process.h"
#include "tools/netfault/fault_proxy.h"

namespace tailor {
namespace netfault {
namespace {

constexpr char kRanker[] = "ranker/tailor_ranker";
constexpr char kModel[] = "synth";
constexpr int kItems = 2000;
constexpr int kUsers = 50;
constexpr int kDim = 16;
// What a call may take beyond its deadline on a loaded 2-core machine
// (gRPC's timer and thread wake-ups).
constexpr absl::Duration kAllowance = absl::Milliseconds(700);

FactorTable RandomTable(int rows, const std::string& prefix, bool items,
                        std::mt19937_64& rng, std::vector<std::string>* ids) {
  const KeyHasher hasher = KeyHasher::Public();
  std::vector<std::pair<uint64_t, std::string>> keyed;
  for (int i = 0; i < rows; ++i) {
    std::string id = absl::StrCat(prefix, i);
    keyed.emplace_back(items ? hasher.ItemKey(id) : hasher.UserKey(id), id);
  }
  std::sort(keyed.begin(), keyed.end());
  FactorTable table(rows, kDim);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  for (int i = 0; i < rows; ++i) {
    table.keys()[i] = keyed[i].first;
    if (ids != nullptr) ids->push_back(keyed[i].second);
    for (int d = 0; d < kDim; ++d) table.Row(i)[d] = normal(rng);
  }
  return table;
}

absl::Status WriteModel(const std::string& base) {
  std::mt19937_64 rng(11);
  std::vector<std::string> item_ids;
  FactorTable items = RandomTable(kItems, "item", true, rng, &item_ids);
  FactorTable users = RandomTable(kUsers, "user", false, rng, nullptr);
  ranker::Catalogue catalogue;
  catalogue.category_names = {"a", "b"};
  for (int i = 0; i < kItems; ++i) {
    catalogue.keys.push_back(items.keys()[i]);
    catalogue.ids.push_back(item_ids[i]);
    catalogue.descriptions.push_back(absl::StrCat("item ", i));
    catalogue.prices.push_back(1.0f + static_cast<float>(i % 50));
    catalogue.categories.push_back(static_cast<uint32_t>(i % 2));
    catalogue.category_indptr.push_back(i + 1);
  }
  ModelVersionContents contents;
  contents.algorithm = "ials";
  contents.factors = kDim;
  contents.dataset_fingerprint = "netfault";
  contents.user_factors = &users;
  contents.item_factors = &items;
  contents.extra_files.emplace_back(ranker::kCatalogueFile,
                                    ranker::CatalogueToTsv(catalogue));
  return ExportModelVersion(PosixFileSystem(), base, kModel, contents, 1)
      .status();
}

struct CallResult {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  absl::Duration took;
  int items = 0;
};

class RankerDeadlineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(::testing::TempDir(), "/ranker_nf"));
    ASSERT_EQ(
        system(absl::StrCat("rm -rf ", *dir_, " && mkdir -p ", *dir_).c_str()),
        0);
    TAILOR_ASSERT_OK(WriteModel(*dir_ + "/models"));
    ranker_ = new ChildProcess();
    const std::string port_file = *dir_ + "/ranker.port";
    // --insecure: plaintext on loopback (the proxy forwards bytes); ignored
    // by a build without transport security flags.
    TAILOR_ASSERT_OK(ranker_->Start(
        {kRanker, "--port=0", "--port_file=" + port_file,
         "--model_base=" + *dir_ + "/models",
         absl::StrCat("--model_names=", kModel), "--metrics_port=-1",
         "--threads=1", "--poll_interval_ms=200", "--insecure",
         "--undefok=insecure"},
        *dir_ + "/ranker.out", *dir_ + "/ranker.err"));
    TAILOR_ASSERT_OK_AND_ASSIGN(
        port_, ranker_->WaitForPort(port_file, absl::Seconds(60)));
  }
  static void TearDownTestSuite() {
    delete ranker_;  // kills the ranker
    delete dir_;
  }

  void SetUp() override {
    FaultProxyOptions options;
    options.target_port = port_;
    TAILOR_ASSERT_OK_AND_ASSIGN(proxy_, FaultProxy::Create(options));
    channel_ = grpc::CreateChannel(proxy_->address(),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Ranker::NewStub(channel_);
    // The model version loads in the background after the port is
    // written: wait until a call is answered (bounded).
    CallResult r;
    for (int attempt = 0; attempt < 100; ++attempt) {
      r = Rank(absl::Seconds(2));
      if (r.code == grpc::StatusCode::OK) break;
      absl::SleepFor(absl::Milliseconds(100));  // the model loader's pace
    }
    ASSERT_EQ(r.code, grpc::StatusCode::OK)
        << "the ranker never answered\n"
        << ReadFileOrEmpty(*dir_ + "/ranker.err");
  }

  v1::RankRequest Request() const {
    v1::RankRequest request;
    request.set_model_name(kModel);
    request.set_user_id("user3");
    request.set_count(10);
    return request;
  }

  CallResult Rank(absl::Duration deadline) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    v1::RankResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status s = stub_->Rank(&ctx, Request(), &response);
    return {s.error_code(), absl::Now() - start, response.items_size()};
  }

  static std::string* dir_;
  static ChildProcess* ranker_;
  static int port_;
  std::unique_ptr<FaultProxy> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ranker::Stub> stub_;
};

std::string* RankerDeadlineTest::dir_ = nullptr;
ChildProcess* RankerDeadlineTest::ranker_ = nullptr;
int RankerDeadlineTest::port_ = 0;

TEST_F(RankerDeadlineTest, LatencyBelowTheDeadlineIsAnswered) {
  proxy_->SetLatency(Direction::kToTarget, absl::Milliseconds(100));
  proxy_->SetLatency(Direction::kToClient, absl::Milliseconds(100));
  const CallResult r = Rank(absl::Seconds(3));
  EXPECT_EQ(r.code, grpc::StatusCode::OK);
  EXPECT_EQ(r.items, 10);
  EXPECT_GE(r.took, absl::Milliseconds(200));
}

TEST_F(RankerDeadlineTest, LatencyAboveTheDeadlineEndsAtTheDeadline) {
  proxy_->SetLatency(Direction::kToTarget, absl::Seconds(2));
  const absl::Duration deadline = absl::Milliseconds(300);
  const CallResult r = Rank(deadline);
  EXPECT_EQ(r.code, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GE(r.took, deadline - absl::Milliseconds(20));
  EXPECT_LT(r.took, deadline + kAllowance);
  // Slow answers too.
  proxy_->SetLatency(Direction::kToTarget, absl::ZeroDuration());
  proxy_->SetLatency(Direction::kToClient, absl::Seconds(2));
  const CallResult slow = Rank(deadline);
  EXPECT_EQ(slow.code, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(slow.took, deadline + kAllowance);
}

TEST_F(RankerDeadlineTest, BlackholeEndsEveryConcurrentCallAtItsDeadline) {
  proxy_->SetPartitioned(true);
  constexpr int kCalls = 32;
  std::vector<absl::Duration> deadlines(kCalls);
  std::vector<CallResult> results(kCalls);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts(kCalls);
  std::vector<v1::RankResponse> responses(kCalls);
  const v1::RankRequest request = Request();
  absl::BlockingCounter done(kCalls);
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    deadlines[i] = absl::Milliseconds(200 + 20 * i);  // 200..820 ms
    contexts[i] = std::make_unique<grpc::ClientContext>();
    contexts[i]->set_deadline(absl::ToChronoTime(start + deadlines[i]));
    stub_->async()->Rank(contexts[i].get(), &request, &responses[i],
                         [&, i](grpc::Status s) {
                           results[i] = {s.error_code(), absl::Now() - start,
                                         responses[i].items_size()};
                           done.DecrementCount();
                         });
  }
  done.Wait();  // each call has a deadline, so this ends
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(results[i].code, grpc::StatusCode::DEADLINE_EXCEEDED) << i;
    EXPECT_LT(results[i].took, deadlines[i] + kAllowance) << i;
  }
  // Healed: the same channel answers again.
  proxy_->SetPartitioned(false);
  const CallResult r = Rank(absl::Seconds(5));
  EXPECT_EQ(r.code, grpc::StatusCode::OK);
  EXPECT_EQ(r.items, 10);
}

TEST_F(RankerDeadlineTest, ResetConnectionFailsTheCallInFlightFast) {
  // The request is held 3 s on its way; the connection is reset meanwhile.
  proxy_->SetLatency(Direction::kToTarget, absl::Seconds(3));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::RankResponse response;
  grpc::Status status;
  absl::Notification finished;
  const v1::RankRequest request = Request();
  const absl::Time start = absl::Now();
  stub_->async()->Rank(&ctx, &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    finished.Notify();
  });
  // Reset while the request sits in the proxy (it is held 3 s there);
  // `drop_after` bounds when that happens, not what the test waits for.
  const absl::Duration drop_after = absl::Milliseconds(300);
  absl::SleepFor(drop_after);
  proxy_->DropConnections();
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(15)))
      << "the call hung";
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_LT(took, absl::Seconds(3)) << "the reset did not end the call";
  EXPECT_EQ(proxy_->stats().dropped, 1);
  proxy_->SetLatency(Direction::kToTarget, absl::ZeroDuration());
  EXPECT_EQ(Rank(absl::Seconds(5)).code, grpc::StatusCode::OK);
}

TEST_F(RankerDeadlineTest, RefusedConnectionsFailFastNotAtTheDeadline) {
  proxy_->SetRefuseNew(true);
  // A new channel with its own connection (not shared with the fixture's
  // through gRPC's global subchannel pool) must connect through the
  // refusing proxy.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(
      proxy_->address(), grpc::InsecureChannelCredentials(), args);
  auto stub = v1::Ranker::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::RankResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status s = stub->Rank(&ctx, Request(), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5) + kAllowance);
  EXPECT_GE(proxy_->stats().refused, 1);
  // With wait_for_ready the caller waits for a connection, still bounded by
  // its deadline.
  grpc::ClientContext waiting;
  waiting.set_wait_for_ready(true);
  waiting.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  const absl::Time wait_start = absl::Now();
  const grpc::Status w = stub->Rank(&waiting, Request(), &response);
  EXPECT_EQ(w.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << w.error_message();
  EXPECT_LT(absl::Now() - wait_start, absl::Seconds(1) + kAllowance);
  proxy_->SetRefuseNew(false);
}

}  // namespace
}  // namespace netfault
}  // namespace tailor
