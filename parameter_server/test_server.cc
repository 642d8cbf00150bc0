#include "parameter_server/test_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "grpcpp/grpcpp.h"

namespace tailor {

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    const TestServerOptions& options) {
  std::unique_ptr<TestServer> s(new TestServer());
  if (options.fs == nullptr) s->own_fs_ = NewInMemoryFileSystem();
  s->fs_ = options.fs != nullptr ? options.fs : s->own_fs_.get();
  ShardStateOptions state_options;
  state_options.shard_index = options.shard_index;
  state_options.num_shards = options.num_shards;
  state_options.fs = s->fs_;
  TAILOR_ASSIGN_OR_RETURN(s->state_, ShardState::Create(state_options));
  s->service_ = ParameterServerService::Create(s->state_.get(), {});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(s->service_->grpc_service());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || port == 0) {
    return absl::UnavailableError("test server: could not listen on 127.0.0.1");
  }
  s->address_ = absl::StrCat("127.0.0.1:", port);
  return s;
}

TestServer::~TestServer() {
  if (server_ != nullptr) {
    service_->BeginShutdown();
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
}

}  // namespace tailor
