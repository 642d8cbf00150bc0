// Malformed, empty, oversized and adversarial Rank requests against a live
// ranker (real engine and gRPC server, fake model versions): each is
// answered with the documented status (proto/tailor/v1/ranker.proto) and the
// server keeps serving valid requests after every one.

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/raw_call.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tailor/v1/common.pb.h"
#include "tests/ranker/ranker_test_env.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;
using ::testing::HasSubstr;

struct Case {
  std::string name;
  std::function<void(RankRequest*)> edit;
  grpc::StatusCode code;
  // A word the message must contain (usually the field name).
  std::string mentions;
};

RankRequest Valid() {
  RankRequest r;
  r.set_model_name(kTestModel);
  r.set_user_id("u1");
  r.set_count(10);
  return r;
}

class RobustnessTest : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    auto env = RankerTestEnv::Start();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = env->release();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  static grpc::Status Rank(const RankRequest& request, RankResponse* response,
                           absl::Duration timeout = absl::Seconds(10)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(timeout));
    return env_->stub().Rank(&context, request, response);
  }

  static void ExpectStillServing() {
    RankResponse response;
    grpc::Status status = Rank(Valid(), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.items_size(), 10);
  }

  static RankerTestEnv* env_;
};

RankerTestEnv* RobustnessTest::env_ = nullptr;

TEST_P(RobustnessTest, AnsweredWithTheRightStatusAndServingGoesOn) {
  const Case& c = GetParam();
  RankRequest request = Valid();
  c.edit(&request);
  RankResponse response;
  grpc::Status status = Rank(request, &response);
  EXPECT_EQ(status.error_code(), c.code)
      << c.name << ": " << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr(c.mentions)) << c.name;
  ExpectStillServing();
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Requests, RobustnessTest,
    ::testing::Values(
        Case{"empty_request", [](RankRequest* r) { *r = RankRequest(); },
             grpc::StatusCode::INVALID_ARGUMENT, "model_name"},
        Case{"unknown_model",
             [](RankRequest* r) { r->set_model_name("no_such_model"); },
             grpc::StatusCode::NOT_FOUND, "no_such_model"},
        Case{"count_too_large", [](RankRequest* r) { r->set_count(1001); },
             grpc::StatusCode::INVALID_ARGUMENT, "count"},
        Case{"negative_count_as_uint32",
             [](RankRequest* r) { r->set_count(static_cast<uint32_t>(-1)); },
             grpc::StatusCode::INVALID_ARGUMENT, "count"},
        Case{"unknown_version", [](RankRequest* r) { r->set_version(999); },
             grpc::StatusCode::NOT_FOUND, "version"},
        Case{"negative_version", [](RankRequest* r) { r->set_version(-3); },
             grpc::StatusCode::INVALID_ARGUMENT, "version"},
        Case{"unknown_label",
             [](RankRequest* r) { r->set_version_label("nightly"); },
             grpc::StatusCode::NOT_FOUND, "nightly"},
        Case{"nan_diversity", [](RankRequest* r) { r->set_diversity(kNaN); },
             grpc::StatusCode::INVALID_ARGUMENT, "diversity"},
        Case{"diversity_above_one",
             [](RankRequest* r) { r->set_diversity(1.5f); },
             grpc::StatusCode::INVALID_ARGUMENT, "diversity"},
        Case{"nan_interaction_weight",
             [](RankRequest* r) {
               auto* i = r->add_recent_interactions();
               i->set_item_id("item-1");
               i->set_weight(kNaN);
             },
             grpc::StatusCode::INVALID_ARGUMENT, "weight"},
        Case{"infinite_interaction_weight",
             [](RankRequest* r) {
               auto* i = r->add_recent_interactions();
               i->set_item_id("item-1");
               i->set_weight(kInf);
             },
             grpc::StatusCode::INVALID_ARGUMENT, "weight"},
        Case{"negative_context_timestamp",
             [](RankRequest* r) {
               r->mutable_context()->set_timestamp_unix_ms(-5);
             },
             grpc::StatusCode::INVALID_ARGUMENT, "timestamp"},
        Case{"nan_price_bound",
             [](RankRequest* r) {
               r->mutable_filters()->set_min_price(std::nan(""));
             },
             grpc::StatusCode::INVALID_ARGUMENT, "price"},
        Case{"min_price_above_max",
             [](RankRequest* r) {
               r->mutable_filters()->set_min_price(10);
               r->mutable_filters()->set_max_price(1);
             },
             grpc::StatusCode::INVALID_ARGUMENT, "price"},
        Case{"duplicate_candidates",
             [](RankRequest* r) {
               r->add_candidate_item_ids("a");
               r->add_candidate_item_ids("b");
               r->add_candidate_item_ids("a");
             },
             grpc::StatusCode::INVALID_ARGUMENT, "candidate_item_ids"},
        Case{"control_characters_in_model_name",
             [](RankRequest* r) { r->set_model_name("ret\nail"); },
             grpc::StatusCode::INVALID_ARGUMENT, "model_name"},
        Case{"too_many_candidates",
             [](RankRequest* r) {
               for (int i = 0; i < 10001; ++i) {
                 r->add_candidate_item_ids(absl::StrCat("c", i));
               }
             },
             grpc::StatusCode::RESOURCE_EXHAUSTED, "candidate_item_ids"},
        Case{"too_many_recent_interactions",
             [](RankRequest* r) {
               for (int i = 0; i < 1001; ++i) {
                 r->add_recent_interactions()->set_item_id(
                     absl::StrCat("i", i));
               }
             },
             grpc::StatusCode::RESOURCE_EXHAUSTED, "recent_interactions"},
        Case{"huge_user_id",
             [](RankRequest* r) { r->set_user_id(std::string(5000, 'u')); },
             grpc::StatusCode::RESOURCE_EXHAUSTED, "user_id"},
        Case{"over_grpc_message_limit",
             [](RankRequest* r) {
               r->mutable_filters()->add_exclude_item_ids(
                   std::string(5 << 20, 'x'));
             },
             grpc::StatusCode::RESOURCE_EXHAUSTED, ""}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST_F(RobustnessTest, ValidationErrorsNameTheFieldInErrorInfo) {
  RankRequest request = Valid();
  request.set_count(5000);
  RankResponse response;
  grpc::Status status = Rank(request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  tailor::v1::RpcStatus rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  ASSERT_EQ(rpc.details_size(), 1);
  tailor::v1::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.field(), "count");
}

TEST_F(RobustnessTest, ValidRequestsOfEveryUserKindAreNeverEmpty) {
  RankRequest known = Valid();
  RankRequest folded = Valid();
  folded.set_user_id("never-seen-user");
  folded.add_recent_interactions()->set_item_id("v1-item3");
  RankRequest anonymous = Valid();
  anonymous.clear_user_id();
  anonymous.mutable_context()->set_country("GB");
  for (const RankRequest& r : {known, folded, anonymous}) {
    RankResponse response;
    grpc::Status status = Rank(r, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.items_size(), 10);
    EXPECT_EQ(response.model_version(), 1);
  }
}

TEST_F(RobustnessTest, UnparsableBytesAreRefusedBeforeTheEngine) {
  const int64_t before = env_->loader_state().ranks.load();
  auto channel = env_->NewChannel();
  for (const std::string& bytes :
       {std::string("\xff\xff\xff\xff\xff", 5),  // truncated varint key
        std::string("\x0a\x7f"
                    "abc",
                    5),                             // length past the end
        std::string("\x0a\x03\xc3\x28\x41", 5)}) {  // model_name not UTF-8
    RawCallResult raw = RawUnaryCall(channel.get(), "/tailor.v1.Ranker/Rank",
                                     bytes, absl::Seconds(10));
    EXPECT_FALSE(raw.status.ok());
    EXPECT_NE(raw.status.code(), absl::StatusCode::kUnknown) << raw.status;
  }
  EXPECT_EQ(env_->loader_state().ranks.load(), before);
  ExpectStillServing();
}

TEST_F(RobustnessTest, PastDeadlineIsDeadlineExceeded) {
  RankResponse response;
  grpc::Status status = Rank(Valid(), &response, absl::Seconds(-1));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectStillServing();
}

// A request whose deadline passes while it waits for a worker is answered
// without any model work.
TEST(DeadlineInQueueTest, ExpiredWhileQueuedNeverReachesTheModel) {
  auto env = RankerTestEnv::Start(/*items=*/200, /*threads=*/1);
  ASSERT_TRUE(env.ok()) << env.status();
  absl::Notification blocking, release;
  auto first = std::make_shared<std::atomic<bool>>(true);
  (*env)->loader_state().on_rank = [first, &blocking, &release] {
    if (first->exchange(false)) {
      blocking.Notify();
      release.WaitForNotification();
    }
  };
  tailor::v1::Ranker::Stub& stub = (*env)->stub();
  grpc::ClientContext slow_context, late_context;
  slow_context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(30));
  late_context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::milliseconds(300));
  RankRequest request = Valid();
  RankResponse slow_response, late_response;
  grpc::Status slow_status, late_status;
  absl::Notification slow_done, late_done;
  stub.async()->Rank(&slow_context, &request, &slow_response,
                     [&](grpc::Status s) {
                       slow_status = s;
                       slow_done.Notify();
                     });
  blocking.WaitForNotification();  // the only worker is busy
  stub.async()->Rank(&late_context, &request, &late_response,
                     [&](grpc::Status s) {
                       late_status = s;
                       late_done.Notify();
                     });
  late_done.WaitForNotification();
  EXPECT_EQ(late_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server's copy of the deadline lies after the client's by the transit
  // time and gRPC's rounding of the timeout header; this is a test of
  // deadline expiry, so it waits out that margin in time (nothing else
  // signals it).
  absl::SleepFor(absl::Milliseconds(500));
  release.Notify();
  slow_done.WaitForNotification();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  // Wait for the queued call's task to finish too: shutdown drains the queue.
  (*env)->server().Shutdown(absl::Seconds(5));
  EXPECT_EQ((*env)->loader_state().ranks.load(), 1);
}

TEST_F(RobustnessTest, UnknownMethodIsUnimplemented) {
  auto channel = env_->NewChannel();
  RawCallResult raw = RawUnaryCall(channel.get(), "/tailor.v1.Ranker/Nope", "",
                                   absl::Seconds(10));
  EXPECT_EQ(raw.status.code(), absl::StatusCode::kUnimplemented);
  ExpectStillServing();
}

}  // namespace
}  // namespace tailor::ranker
