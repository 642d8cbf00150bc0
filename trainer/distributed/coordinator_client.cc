#include "trainer/distributed/coordinator_client.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "tailor/v1/coordinator.grpc.pb.h"

namespace tailor::distributed {
namespace {

namespace v1 = ::tailor::v1;

class GrpcClient final : public CoordinatorClient {
 public:
  explicit GrpcClient(const GrpcCoordinatorClientOptions& o)
      : options_(o),
        stub_(v1::Coordinator::NewStub(grpc::CreateChannel(
            o.address, o.credentials != nullptr
                           ? o.credentials
                           : grpc::InsecureChannelCredentials()))) {}

  absl::Status Register(const v1::RegisterRequest& request,
                        v1::RegisterResponse* response) override {
    return Call("Register", [&](grpc::ClientContext* c) {
      return stub_->Register(c, request, response);
    });
  }
  absl::Status Heartbeat(const v1::HeartbeatRequest& request,
                         v1::HeartbeatResponse* response) override {
    return Call("Heartbeat", [&](grpc::ClientContext* c) {
      return stub_->Heartbeat(c, request, response);
    });
  }
  absl::Status GetTask(const v1::GetTaskRequest& request,
                       v1::GetTaskResponse* response) override {
    return Call("GetTask", [&](grpc::ClientContext* c) {
      return stub_->GetTask(c, request, response);
    });
  }
  absl::Status ReportProgress(const v1::ReportProgressRequest& request,
                              v1::ReportProgressResponse* response) override {
    return Call("ReportProgress", [&](grpc::ClientContext* c) {
      return stub_->ReportProgress(c, request, response);
    });
  }

 private:
  absl::Status Call(
      const char* rpc,
      const std::function<grpc::Status(grpc::ClientContext*)>& f) {
    int64_t backoff_ms = options_.initial_backoff_ms;
    absl::Status status;
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(options_.timeout_ms));
      status = FromGrpcStatus(f(&context));
      if (status.ok()) return status;
      if (!absl::IsUnavailable(status) && !absl::IsDeadlineExceeded(status)) {
        break;
      }
      if (attempt == options_.max_attempts) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(options_.max_backoff_ms, backoff_ms * 2);
    }
    return absl::Status(status.code(),
                        absl::StrCat(rpc, " to coordinator ", options_.address,
                                     ": ", status.message()));
  }

  const GrpcCoordinatorClientOptions options_;
  const std::unique_ptr<v1::Coordinator::Stub> stub_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinatorClient>> NewGrpcCoordinatorClient(
    const GrpcCoordinatorClientOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("coordinator address is empty");
  }
  return std::make_unique<GrpcClient>(options);
}

}  // namespace tailor::distributed
