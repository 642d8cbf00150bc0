#ifndef TAILOR_PARAMETER_SERVER_SERVICE_INTERNAL_H_
#define TAILOR_PARAMETER_SERVER_SERVICE_INTERNAL_H_

// Shared by the two files of the shard's gRPC adapter
// (parameter_server_service.cc: unary calls; service_streams.cc: Pull, Push
// and GramPartial reactors). Internal to //parameter_server:service.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "parameter_server/shard_state.h"
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace ps_internal {

// What a reactor needs from the service. Thread-safe.
class ServiceContext {
 public:
  virtual ~ServiceContext() = default;
  virtual ShardState* state() = 0;
  virtual bool shutting_down() const = 0;
  // True (once per injected failure) when a push must be answered with
  // UNAVAILABLE after it was applied (test hook).
  virtual bool TakeInjectedPushFailure() = 0;
};

// The one place a shard's absl::Status becomes a grpc::Status: code and
// message by ToGrpcStatus, the ErrorInfo payload as a serialized
// tailor.v1.RpcStatus in the error details.
grpc::Status ToWire(const absl::Status& status);
// FAILED_PRECONDITION with ERROR_REASON_SHUTTING_DOWN.
absl::Status ShuttingDown(absl::string_view rpc);
// Why a wait ended early: DEADLINE_EXCEEDED or CANCELLED.
absl::Status WaitEnded(grpc::CallbackServerContext* ctx, absl::string_view rpc);

// Finishes a call's bookkeeping exactly once and records its statistics.
// Thread-safe.
class CallRecord {
 public:
  CallRecord(ServiceContext* svc, absl::string_view method);
  // Returns false when the call had already finished.
  bool Finish(const absl::Status& status);
  uint64_t bytes_in = 0, bytes_out = 0;  // set by the owning reactor only

 private:
  ServiceContext* svc_;
  absl::string_view method_;
  absl::Time start_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerWriteReactor<v1::PullResponse>* NewPullReactor(
    ServiceContext* svc, grpc::CallbackServerContext* ctx,
    const v1::PullRequest* req);
grpc::ServerReadReactor<v1::PushRequest>* NewPushReactor(
    ServiceContext* svc, grpc::CallbackServerContext* ctx,
    v1::PushResponse* resp);
grpc::ServerWriteReactor<v1::GramPartialResponse>* NewGramReactor(
    ServiceContext* svc, grpc::CallbackServerContext* ctx,
    const v1::GramPartialRequest* req);

}  // namespace ps_internal
}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_SERVICE_INTERNAL_H_
