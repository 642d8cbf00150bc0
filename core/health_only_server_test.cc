#include "core/health_only_server.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/raw_call.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<grpc::Channel> Connect(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

TEST(HealthOnlyServerTest, ServesTheStatusItIsGiven) {
  auto server = HealthOnlyServer::Start("127.0.0.1", 0, "--health_port");
  ASSERT_THAT(server.status(), IsOk());
  ASSERT_GT((*server)->port(), 0);
  std::shared_ptr<grpc::Channel> channel = Connect((*server)->port());
  absl::StatusOr<bool> serving =
      CheckServing(channel.get(), "", absl::Seconds(10));
  ASSERT_THAT(serving.status(), IsOk());
  EXPECT_TRUE(*serving);

  (*server)->SetServing("", false);
  (*server)->SetServing("tailor.v1.Coordinator", true);
  serving = CheckServing(channel.get(), "", absl::Seconds(10));
  ASSERT_THAT(serving.status(), IsOk());
  EXPECT_FALSE(*serving);
  serving =
      CheckServing(channel.get(), "tailor.v1.Coordinator", absl::Seconds(10));
  ASSERT_THAT(serving.status(), IsOk());
  EXPECT_TRUE(*serving);
  // A service never named is unknown to the health service.
  EXPECT_THAT(CheckServing(channel.get(), "no.such.Service", absl::Seconds(10))
                  .status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(HealthOnlyServerTest, ServesNothingButHealth) {
  auto server = HealthOnlyServer::Start("127.0.0.1", 0, "--health_port");
  ASSERT_THAT(server.status(), IsOk());
  std::shared_ptr<grpc::Channel> channel = Connect((*server)->port());
  RawCallResult push = RawUnaryCall(
      channel.get(), "/tailor.v1.ParameterServer/Push", "", absl::Seconds(10));
  EXPECT_THAT(push.status, StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(HealthOnlyServerTest, ShutdownEndsServing) {
  auto server = HealthOnlyServer::Start("127.0.0.1", 0, "--health_port");
  ASSERT_THAT(server.status(), IsOk());
  std::shared_ptr<grpc::Channel> channel = Connect((*server)->port());
  ASSERT_THAT(CheckServing(channel.get(), "", absl::Seconds(10)).status(),
              IsOk());
  (*server)->Shutdown(absl::Seconds(1));
  absl::StatusOr<bool> after =
      CheckServing(channel.get(), "", absl::Seconds(2));
  EXPECT_TRUE(!after.ok() || !*after);
  (*server)->Shutdown(absl::Seconds(1));  // a second call does nothing
}

TEST(HealthOnlyServerTest, RejectsBadPortsNamingTheFlag) {
  EXPECT_THAT(
      HealthOnlyServer::Start("127.0.0.1", 70000, "--health_port").status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("--health_port=70000")));
  EXPECT_THAT(
      HealthOnlyServer::Start("127.0.0.1", -1, "--health_port").status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // Not an address this machine has.
  EXPECT_THAT(HealthOnlyServer::Start("192.0.2.1", 0, "--health_port").status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("192.0.2.1:0 (--health_port)")));
}

}  // namespace
}  // namespace tailor
