#ifndef TAILOR_PARAMETER_SERVER_PARAMETER_SERVER_SERVICE_H_
#define TAILOR_PARAMETER_SERVER_PARAMETER_SERVER_SERVICE_H_

// The gRPC face of one shard: a thin callback-API adapter (tailor.v1.
// ParameterServer) over ShardState. It converts messages and statuses
// (core/grpc_status.h, plus the ErrorInfo details trailer), never blocks a
// reactor thread (clock and barrier waits complete later from callbacks;
// checkpoint and restore IO runs on a SerialExecutor) and records per-method
// statistics. gRPC types stay out of this header. Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "parameter_server/shard_state.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace tailor {

struct ParameterServerServiceOptions {
  // Called once, after the Shutdown RPC was answered, with its grace period
  // and reason; the owner then stops the server (never from this callback's
  // thread synchronously). Null: Shutdown is answered and ignored.
  std::function<void(uint32_t grace_period_ms, const std::string& reason)>
      on_shutdown;
};

class ParameterServerService {
 public:
  // `state` must outlive the service.
  static std::unique_ptr<ParameterServerService> Create(
      ShardState* state, ParameterServerServiceOptions options);
  virtual ~ParameterServerService() = default;

  // Register with grpc::ServerBuilder::RegisterService.
  virtual grpc::Service* grpc_service() = 0;
  // New calls are refused with FAILED_PRECONDITION (SHUTTING_DOWN) and
  // waiting clock / barrier calls end with it.
  virtual void BeginShutdown() = 0;
  // Test hook: the next `n` pushes are applied and then answered with
  // UNAVAILABLE, as if the answer had been lost.
  virtual void FailPushesAfterApplyForTesting(int n) = 0;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_PARAMETER_SERVER_SERVICE_H_
