#include "core/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(GrpcStatusTest, AllSeventeenCodesRoundTripWithMessage) {
  for (int code = 0; code <= 16; ++code) {
    const absl::StatusCode absl_code = static_cast<absl::StatusCode>(code);
    const std::string message =
        code == 0 ? "" : absl::StrCat("message for ", code, " \xc3\xa9");
    const absl::Status original(absl_code, message);
    const grpc::Status converted = ToGrpcStatus(original);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), message);
    EXPECT_EQ(converted.ok(), code == 0);
    EXPECT_EQ(FromGrpcStatus(converted), original) << code;
  }
}

TEST(GrpcStatusTest, NamedCodesMapToTheirCounterparts) {
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("k")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("k")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "late")),
      absl::DeadlineExceededError("late"));
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "who")),
      absl::UnauthenticatedError("who"));
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatusTest, NonCanonicalCodesBecomeUnknown) {
  const absl::Status from_grpc =
      FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(42), "odd"));
  EXPECT_EQ(from_grpc.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(from_grpc.message(), "grpc status code 42: odd");
  const grpc::Status to_grpc =
      ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(99), "odd"));
  EXPECT_EQ(to_grpc.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(to_grpc.error_message(), "odd");
}

}  // namespace
}  // namespace tailor
