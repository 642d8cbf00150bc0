#include "ranker/server/ranker_server.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/grpc_status.h"
#include "core/raw_call.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ranker/engine/rank_error.h"
#include "ranker/server/fake_rank_engine.h"
#include "tailor/v1/common.pb.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;
using ::testing::HasSubstr;

class RankerServerTest : public ::testing::Test {
 protected:
  void StartServer(int threads = 2, int max_queued = 64) {
    RankerServerOptions options;
    options.service.work.threads = threads;
    options.service.work.max_queued = max_queued;
    options.service.hostname = "test-host";
    options.poll_interval = absl::Hours(1);  // tests refresh explicitly
    auto server = RankerServer::Start(options, &engine_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    stub_ = tailor::v1::Ranker::NewStub(channel_);
  }

  grpc::Status Rank(const RankRequest& request, RankResponse* response,
                    absl::Duration timeout = absl::Seconds(10)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(timeout));
    return stub_->Rank(&context, request, response);
  }

  static RankRequest Request(uint32_t count) {
    RankRequest request;
    request.set_model_name("m");
    request.set_user_id("u1");
    request.set_count(count);
    request.set_request_id("r-1");
    return request;
  }

  FakeRankEngine engine_;
  std::unique_ptr<RankerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tailor::v1::Ranker::Stub> stub_;
};

TEST_F(RankerServerTest, RanksThroughTheEngine) {
  engine_.SetVersion(4);
  StartServer();
  RankResponse response;
  grpc::Status status = Rank(Request(5), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.items_size(), 5);
  EXPECT_EQ(response.model_version(), 4);
  EXPECT_EQ(response.request_id(), "r-1");
  EXPECT_EQ(response.served_by().hostname(), "test-host");
  EXPECT_GT(response.served_by().server_latency_us(), 0u);
}

TEST_F(RankerServerTest, EngineErrorsKeepTheirCodeAndMessage) {
  engine_.SetVersion(1);
  StartServer();
  RankResponse response;
  RankRequest bad = Request(5000);
  grpc::Status status = Rank(bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("count"));
  bad = Request(3);
  bad.set_model_name("nope");
  EXPECT_EQ(Rank(bad, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  // Still serving.
  EXPECT_TRUE(Rank(Request(3), &response).ok());
}

TEST_F(RankerServerTest, ErrorInfoTravelsInTheStatusDetails) {
  engine_.SetVersion(1);
  engine_.SetFailure(RankError(absl::StatusCode::kInvalidArgument,
                               tailor::v1::ERROR_REASON_OUT_OF_RANGE_VALUE, "m",
                               "recent_interactions.weight",
                               "recent_interactions[2].weight: NaN", 2));
  StartServer();
  RankResponse response;
  grpc::Status status = Rank(Request(3), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "recent_interactions[2].weight: NaN");
  tailor::v1::RpcStatus rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(rpc.details_size(), 1);
  tailor::v1::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), tailor::v1::ERROR_REASON_OUT_OF_RANGE_VALUE);
  EXPECT_EQ(info.field(), "recent_interactions.weight");
  EXPECT_EQ(info.index(), 2);
}

TEST_F(RankerServerTest, PlainErrorsHaveNoDetails) {
  engine_.SetVersion(1);
  StartServer();
  RankResponse response;
  grpc::Status status = Rank(Request(5000), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(status.error_details().empty());
}

TEST_F(RankerServerTest, HealthIsNotServingUntilAVersionIsAvailable) {
  StartServer();
  for (const std::string service : {"", "tailor.v1.Ranker"}) {
    absl::StatusOr<bool> serving =
        CheckServing(channel_.get(), service, absl::Seconds(10));
    ASSERT_TRUE(serving.ok()) << serving.status();
    EXPECT_FALSE(*serving) << service;
  }
  RankResponse rank;
  EXPECT_EQ(Rank(Request(3), &rank).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  engine_.SetVersion(1);
  EXPECT_TRUE(server_->RefreshModelStatus());
  for (const std::string service : {"", "tailor.v1.Ranker"}) {
    absl::StatusOr<bool> serving =
        CheckServing(channel_.get(), service, absl::Seconds(10));
    ASSERT_TRUE(serving.ok()) << serving.status();
    EXPECT_TRUE(*serving) << service;
  }
  EXPECT_EQ(CheckServing(channel_.get(), "no.such.Service", absl::Seconds(10))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RankerServerTest, HealthPortServesOnlyHealthWithTheSameStatus) {
  RankerServerOptions options;
  options.poll_interval = absl::Hours(1);
  options.health_port = 0;
  auto server = RankerServer::Start(options, &engine_);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->health_port(), 0);
  EXPECT_NE((*server)->health_port(), (*server)->port());
  auto health =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->health_port()),
                          grpc::InsecureChannelCredentials());
  for (const std::string service : {"", "tailor.v1.Ranker"}) {
    absl::StatusOr<bool> serving =
        CheckServing(health.get(), service, absl::Seconds(10));
    ASSERT_TRUE(serving.ok()) << serving.status();
    EXPECT_FALSE(*serving) << service;
  }
  engine_.SetVersion(2);
  EXPECT_TRUE((*server)->RefreshModelStatus());
  for (const std::string service : {"", "tailor.v1.Ranker"}) {
    absl::StatusOr<bool> serving =
        CheckServing(health.get(), service, absl::Seconds(10));
    ASSERT_TRUE(serving.ok()) << serving.status();
    EXPECT_TRUE(*serving) << service;
  }
  // The Ranker service itself is not on the health port.
  RankRequest request = Request(3);
  RawCallResult rank =
      RawUnaryCall(health.get(), "/tailor.v1.Ranker/Rank",
                   request.SerializeAsString(), absl::Seconds(10));
  EXPECT_EQ(rank.status.code(), absl::StatusCode::kUnimplemented)
      << rank.status;
  EXPECT_EQ(engine_.rank_calls(), 0);
  // Shutting down turns the probe to NOT_SERVING or refuses it.
  (*server)->Shutdown(absl::Seconds(1));
  absl::StatusOr<bool> after = CheckServing(health.get(), "", absl::Seconds(2));
  EXPECT_TRUE(!after.ok() || !*after);
}

TEST_F(RankerServerTest, NoHealthPortByDefault) {
  StartServer();
  EXPECT_EQ(server_->health_port(), -1);
}

TEST_F(RankerServerTest, MalformedRequestBytesAreRefusedAndServingGoesOn) {
  engine_.SetVersion(1);
  StartServer();
  RawCallResult raw =
      RawUnaryCall(channel_.get(), "/tailor.v1.Ranker/Rank",
                   std::string("\xff\xff\xff\xff", 4), absl::Seconds(10));
  EXPECT_FALSE(raw.status.ok());
  EXPECT_EQ(engine_.rank_calls(), 0);
  RankResponse response;
  EXPECT_TRUE(Rank(Request(3), &response).ok());
}

TEST_F(RankerServerTest, ReflectionListsTheRankerService) {
  StartServer();
  // One ServerReflectionRequest { list_services = "" (field 7) } on the
  // bidirectional stream, sent as a unary call: the server answers it and
  // then sees the end of the stream.
  RawCallResult raw = RawUnaryCall(
      channel_.get(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      std::string("\x3a\x00", 2), absl::Seconds(10));
  ASSERT_TRUE(raw.status.ok()) << raw.status;
  EXPECT_THAT(raw.response, HasSubstr("tailor.v1.Ranker"));
  EXPECT_THAT(raw.response, HasSubstr("grpc.health.v1.Health"));
}

TEST_F(RankerServerTest, DeadlineBecomesTheEnginesBudget) {
  engine_.SetVersion(1);
  engine_.SetBlockUntilDone(true);
  StartServer();
  RankResponse response;
  grpc::Status status = Rank(Request(3), &response, absl::Milliseconds(100));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The engine saw the deadline (not an endless wait) and returned.
  EXPECT_EQ(engine_.rank_calls(), 1);
}

TEST_F(RankerServerTest, ClientCancellationReachesTheEngine) {
  engine_.SetVersion(1);
  engine_.SetBlockUntilDone(true);
  StartServer();
  grpc::ClientContext context;
  RankRequest request = Request(3);
  RankResponse response;
  absl::Notification done;
  grpc::Status status;
  stub_->async()->Rank(&context, &request, &response, [&](grpc::Status s) {
    status = s;
    done.Notify();
  });
  // Cancel once the engine is running the call.
  engine_.WaitForRankCalls(1);
  context.TryCancel();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  server_->Shutdown(absl::Seconds(5));  // the engine call has returned
  EXPECT_TRUE(engine_.saw_cancellation());
}

TEST_F(RankerServerTest, GetModelStatusAnswersFromTheEngine) {
  engine_.SetVersion(7);
  StartServer();
  grpc::ClientContext context;
  tailor::v1::GetModelStatusRequest request;
  tailor::v1::GetModelStatusResponse response;
  ASSERT_TRUE(stub_->GetModelStatus(&context, request, &response).ok());
  ASSERT_EQ(response.models_size(), 1);
  EXPECT_EQ(response.models(0).default_version(), 7);
  grpc::ClientContext context2;
  request.set_model_name("other");
  EXPECT_EQ(stub_->GetModelStatus(&context2, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RankerServerTest, MetricsCountRequestsByCode) {
  engine_.SetVersion(2);
  StartServer();
  RankResponse response;
  ASSERT_TRUE(Rank(Request(3), &response).ok());
  Rank(Request(5000), &response);
  const std::string text = server_->registry().TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ranker_requests_total{method=\"Rank\","
                              "code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_requests_total{method=\"Rank\","
                              "code=\"INVALID_ARGUMENT\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_default_version{model=\"m\"} 2"));
  EXPECT_GT(server_->metrics_port(), 0);
}

TEST_F(RankerServerTest, FullQueueAnswersResourceExhausted) {
  engine_.SetVersion(1);
  engine_.SetBlockUntilDone(true);
  StartServer(/*threads=*/1, /*max_queued=*/1);
  // Call 0 occupies the only worker; of calls 1 and 2 one waits in the
  // queue and the other is refused at once.
  constexpr int kCalls = 3;
  grpc::ClientContext contexts[kCalls];
  RankRequest request = Request(3);
  RankResponse responses[kCalls];
  grpc::Status statuses[kCalls];
  absl::Mutex mu;
  int finished = 0;
  auto start_call = [&](int i) {
    contexts[i].set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(20));
    stub_->async()->Rank(&contexts[i], &request, &responses[i],
                         [&, i](grpc::Status s) {
                           absl::MutexLock lock(&mu);
                           statuses[i] = s;
                           ++finished;
                         });
  };
  start_call(0);
  engine_.WaitForRankCalls(1);
  start_call(1);
  start_call(2);
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n >= 1; }, &finished));
  }
  for (int i = 0; i < kCalls; ++i) contexts[i].TryCancel();
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n >= kCalls; }, &finished));
  }
  int refused = 0;
  for (int i = 1; i < kCalls; ++i) {
    if (statuses[i].error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_THAT(statuses[i].error_message(), HasSubstr("overloaded"));
    }
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(statuses[0].error_code(), grpc::StatusCode::CANCELLED);
}

TEST(RankerServerStartTest, BadPortsAreInvalidArgument) {
  FakeRankEngine engine;
  RankerServerOptions options;
  options.port = -5;
  EXPECT_EQ(RankerServer::Start(options, &engine).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.port = 0;
  options.metrics_port = 99999;
  EXPECT_EQ(RankerServer::Start(options, &engine).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tailor::ranker
