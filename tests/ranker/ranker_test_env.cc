#include "tests/ranker/ranker_test_env.h"

#include <utility>

#include "core/status_macros.h"

namespace tailor::ranker {

absl::StatusOr<std::unique_ptr<RankerTestEnv>> RankerTestEnv::Start(
    int64_t items, int threads) {
  std::unique_ptr<RankerTestEnv> env(new RankerTestEnv());
  TAILOR_RETURN_IF_ERROR(env->fs_->CreateDirs(kTestModelBase));
  FakeVersionSpec spec;
  spec.items = items;
  TAILOR_RETURN_IF_ERROR(
      WriteFakeModelVersion(env->fs_.get(), kTestModelBase, kTestModel, 1, spec)
          .status());
  RankEngineOptions options;
  options.model_base = kTestModelBase;
  options.loader = FakeServableLoader(env->fs_.get(), env->state_);
  options.fs = env->fs_.get();
  options.hostname = "test";
  options.log = [](const std::string&) {};
  TAILOR_ASSIGN_OR_RETURN(env->engine_, CreateRankEngine(options));
  RankerServerOptions server_options;
  server_options.metrics_port = -1;
  server_options.service.work.threads = threads;
  TAILOR_ASSIGN_OR_RETURN(
      env->server_, RankerServer::Start(server_options, env->engine_.get()));
  env->stub_ = tailor::v1::Ranker::NewStub(env->NewChannel());
  return env;
}

RankerTestEnv::~RankerTestEnv() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
}

absl::Status RankerTestEnv::PublishAndPoll(int64_t version, int64_t items) {
  FakeVersionSpec spec;
  spec.items = items;
  TAILOR_RETURN_IF_ERROR(WriteFakeModelVersion(fs_.get(), kTestModelBase,
                                               kTestModel, version, spec)
                             .status());
  return engine_->Poll();
}

std::shared_ptr<grpc::Channel> RankerTestEnv::NewChannel() const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(server_->address(),
                                   grpc::InsecureChannelCredentials(), args);
}

}  // namespace tailor::ranker
