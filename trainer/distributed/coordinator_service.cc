#include "trainer/distributed/coordinator_service.h"

#include "core/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "tailor/v1/coordinator.grpc.pb.h"

namespace tailor::distributed {
namespace {

namespace v1 = ::tailor::v1;

class Impl final : public CoordinatorService,
                   public v1::Coordinator::CallbackService {
 public:
  explicit Impl(Coordinator* c) : c_(c) {}
  grpc::Service* grpc_service() override { return this; }

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override {
    return Done(ctx, c_->Register(*request, response));
  }
  grpc::ServerUnaryReactor* Heartbeat(
      grpc::CallbackServerContext* ctx, const v1::HeartbeatRequest* request,
      v1::HeartbeatResponse* response) override {
    return Done(ctx, c_->Heartbeat(*request, response));
  }
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* ctx,
                                    const v1::GetTaskRequest* request,
                                    v1::GetTaskResponse* response) override {
    return Done(ctx, c_->GetTask(*request, response));
  }
  grpc::ServerUnaryReactor* ReportProgress(
      grpc::CallbackServerContext* ctx,
      const v1::ReportProgressRequest* request,
      v1::ReportProgressResponse* response) override {
    return Done(ctx, c_->ReportProgress(*request, response));
  }
  grpc::ServerUnaryReactor* GetJobStatus(
      grpc::CallbackServerContext* ctx, const v1::GetJobStatusRequest* request,
      v1::GetJobStatusResponse* response) override {
    return Done(ctx, c_->GetJobStatus(*request, response));
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx,
                                        const absl::Status& status) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  Coordinator* const c_;
};

}  // namespace

std::unique_ptr<CoordinatorService> CoordinatorService::Create(
    Coordinator* coordinator) {
  return std::make_unique<Impl>(coordinator);
}

}  // namespace tailor::distributed
