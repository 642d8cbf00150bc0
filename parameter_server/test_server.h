#ifndef TAILOR_PARAMETER_SERVER_TEST_SERVER_H_
#define TAILOR_PARAMETER_SERVER_TEST_SERVER_H_

// An in-process parameter-server shard for tests: a ShardState behind the
// gRPC service on 127.0.0.1 with a port chosen by the OS. Test-only.
// Thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "parameter_server/parameter_server_service.h"
#include "parameter_server/shard_state.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace tailor {

struct TestServerOptions {
  uint32_t shard_index = 0;
  uint32_t num_shards = 1;
  FileSystem* fs = nullptr;  // null: a private in-memory file system
};

class TestServer {
 public:
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      const TestServerOptions& options);
  ~TestServer();

  const std::string& address() const { return address_; }
  ShardState& state() { return *state_; }
  ParameterServerService& service() { return *service_; }
  FileSystem* fs() { return fs_; }

 private:
  TestServer() = default;
  std::unique_ptr<FileSystem> own_fs_;
  FileSystem* fs_ = nullptr;
  std::unique_ptr<ShardState> state_;
  std::unique_ptr<ParameterServerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_TEST_SERVER_H_
