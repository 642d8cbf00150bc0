#ifndef TAILOR_TESTS_RANKER_RANKER_TEST_ENV_H_
#define TAILOR_TESTS_RANKER_RANKER_TEST_ENV_H_

// A live ranker for cross-component tests: the real serving engine
// (ranker/engine) over fake model versions (ranker/engine/fake_servable.h)
// in an in-memory model base, behind the real gRPC server on 127.0.0.1 with
// an OS-chosen port. Test-only. Thread-safe.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "grpcpp/grpcpp.h"
#include "ranker/engine/fake_servable.h"
#include "ranker/engine/serving_engine.h"
#include "ranker/server/ranker_server.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor::ranker {

inline constexpr char kTestModelBase[] = "/models";
inline constexpr char kTestModel[] = "retail";

class RankerTestEnv {
 public:
  // Publishes version 1 of kTestModel (with `items` items), starts the
  // engine and the server.
  static absl::StatusOr<std::unique_ptr<RankerTestEnv>> Start(
      int64_t items = 200, int threads = 2);
  ~RankerTestEnv();

  // Publishes `version` and polls the engine once (loads it; the policy
  // serves the newest).
  absl::Status PublishAndPoll(int64_t version, int64_t items = 200);

  ServingRankEngine& engine() { return *engine_; }
  RankerServer& server() { return *server_; }
  std::shared_ptr<grpc::Channel> NewChannel() const;
  tailor::v1::Ranker::Stub& stub() { return *stub_; }
  FakeLoaderState& loader_state() { return *state_; }

 private:
  RankerTestEnv() = default;
  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  std::shared_ptr<FakeLoaderState> state_ = std::make_shared<FakeLoaderState>();
  std::unique_ptr<ServingRankEngine> engine_;
  std::unique_ptr<RankerServer> server_;
  std::unique_ptr<tailor::v1::Ranker::Stub> stub_;
};

}  // namespace tailor::ranker

#endif  // TAILOR_TESTS_RANKER_RANKER_TEST_ENV_H_
