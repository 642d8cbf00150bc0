#ifndef TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_CLIENT_H_
#define TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_CLIENT_H_

// How a worker reaches the coordinator: the four worker RPCs of
// tailor.v1.Coordinator behind an interface, so the worker's logic runs
// against an in-process coordinator in tests. The gRPC implementation sets a
// deadline on every call and retries UNAVAILABLE and DEADLINE_EXCEEDED with
// exponential backoff, a bounded number of times. Thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "tailor/v1/coordinator.pb.h"

namespace tailor::distributed {

class CoordinatorClient {
 public:
  virtual ~CoordinatorClient() = default;
  virtual absl::Status Register(const tailor::v1::RegisterRequest& request,
                                tailor::v1::RegisterResponse* response) = 0;
  virtual absl::Status Heartbeat(const tailor::v1::HeartbeatRequest& request,
                                 tailor::v1::HeartbeatResponse* response) = 0;
  virtual absl::Status GetTask(const tailor::v1::GetTaskRequest& request,
                               tailor::v1::GetTaskResponse* response) = 0;
  virtual absl::Status ReportProgress(
      const tailor::v1::ReportProgressRequest& request,
      tailor::v1::ReportProgressResponse* response) = 0;
};

struct GrpcCoordinatorClientOptions {
  std::string address;         // host:port
  int64_t timeout_ms = 10000;  // deadline of each attempt
  int max_attempts = 4;        // per call, including the first
  int64_t initial_backoff_ms = 100;
  int64_t max_backoff_ms = 2000;
  // Channel credentials (docs/security.md); null: plaintext
  // (InsecureChannelCredentials), for in-process tests.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

// INVALID_ARGUMENT for an empty address. Errors of calls read
// "<RPC> to coordinator <address>: <message>" and keep the code.
absl::StatusOr<std::unique_ptr<CoordinatorClient>> NewGrpcCoordinatorClient(
    const GrpcCoordinatorClientOptions& options);

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_COORDINATOR_CLIENT_H_
