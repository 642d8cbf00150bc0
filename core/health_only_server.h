#ifndef TAILOR_CORE_HEALTH_ONLY_SERVER_H_
#define TAILOR_CORE_HEALTH_ONLY_SERVER_H_

// A plaintext gRPC server that serves only grpc.health.v1.Health, for
// probes that cannot speak TLS (the kubelet's gRPC probes). A server whose
// main port uses TLS opens one beside it (`--health_port`) and mirrors its
// serving status into it with SetServing. Server reflection, when the
// process enabled it, lists just the health service here.
//
// Thread-safe: SetServing and EndServing may be called from any thread
// until Shutdown; Shutdown (and the destructor) from one thread.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"

namespace tailor {

class HealthOnlyServer {
 public:
  // Listens on host:port (port 0 lets the OS choose; see port()). Turns on
  // gRPC's default health service process-wide. Every service starts
  // SERVING, as gRPC's default does. A port outside 0..65535 is
  // INVALID_ARGUMENT; a port that cannot be bound is UNAVAILABLE, naming the
  // address and `flag_name` (for example "--health_port").
  static absl::StatusOr<std::unique_ptr<HealthOnlyServer>> Start(
      const std::string& host, int port, const std::string& flag_name);

  ~HealthOnlyServer();

  HealthOnlyServer(const HealthOnlyServer&) = delete;
  HealthOnlyServer& operator=(const HealthOnlyServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Sets the status of `service` ("" is the server as a whole).
  void SetServing(const std::string& service, bool serving);

  // Every service becomes NOT_SERVING for good (watchers are told); later
  // SetServing calls change nothing. The port keeps answering until
  // Shutdown.
  void EndServing();

  // EndServing, then the server stops, waiting at most `grace` for calls in
  // flight. Later calls do nothing.
  void Shutdown(absl::Duration grace);

 private:
  HealthOnlyServer(std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<grpc::Server> server_;
  const int port_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_HEALTH_ONLY_SERVER_H_
