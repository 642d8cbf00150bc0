#ifndef TAILOR_CORE_RAW_CALL_H_
#define TAILOR_CORE_RAW_CALL_H_

// Unary gRPC calls with raw message bytes, for what has no generated stub
// here: the standard grpc.health.v1.Health service (Debian ships no
// generated code for it) and tests that send malformed messages. Thread-safe
// (stateless functions).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace tailor {

struct RawCallResult {
  // The call's final status, converted by core/grpc_status.h.
  absl::Status status;
  // The serialized response message (empty unless status is OK).
  std::string response;
};

// Calls `method` ("/package.Service/Method") with `request` as the serialized
// message, waiting at most `timeout`.
RawCallResult RawUnaryCall(grpc::Channel* channel, const std::string& method,
                           const std::string& request, absl::Duration timeout);

// grpc.health.v1.Health/Check for `service` ("" = the whole server): true
// for SERVING, false for any other answer; the call's error when it failed.
absl::StatusOr<bool> CheckServing(grpc::Channel* channel,
                                  const std::string& service,
                                  absl::Duration timeout);

}  // namespace tailor

#endif  // TAILOR_CORE_RAW_CALL_H_
