#ifndef TAILOR_TOOLS_NETFAULT_FAULT_PROXY_H_
#define TAILOR_TOOLS_NETFAULT_FAULT_PROXY_H_

// FaultProxy: a TCP proxy for fault tests (docs/netfault.md). It listens on
// a loopback port (0: the OS chooses) and forwards every accepted connection
// to one target address, byte for byte, with faults switched on and off at
// run time:
//   * added latency per direction (each chunk read is held that long);
//   * DropConnections(): every open connection is reset at once;
//   * SetRefuseNew(true): new connections are reset as soon as accepted;
//   * SetPartitioned(true): a blackhole. No byte moves either way, nothing
//     is closed, new connections are accepted but not connected to the
//     target; SetPartitioned(false) heals and everything held flows on;
//   * DropOnNextResponse(): a one-shot trigger for plaintext gRPC (HTTP/2):
//     the connection on which the target next sends the end of a call (a
//     HEADERS frame with END_STREAM, the trailers carrying the status) is
//     reset before those bytes are forwarded, so the call was handled by
//     the target but its answer never reaches the caller.
// One thread runs an epoll loop; the memory held is bounded by
// max_connections and max_buffered_bytes (a full direction stops reading
// its source). Thread-safe: every method may be called from any thread; the
// fault setters return once the loop has applied them.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tailor {
namespace netfault {

struct FaultProxyOptions {
  std::string listen_host = "127.0.0.1";  // an IPv4 address
  int listen_port = 0;                    // 0: the OS chooses
  std::string target_host = "127.0.0.1";  // an IPv4 address
  int target_port = 0;                    // required, 1..65535
  int max_connections = 256;  // more at once are reset when accepted
  // Bytes held per direction of a connection before its source is no
  // longer read (default 4 MiB).
  int64_t max_buffered_bytes = int64_t{4} << 20;
};

enum class Direction { kToTarget, kToClient };

struct FaultProxyStats {
  int64_t accepted = 0;          // connections accepted
  int64_t refused = 0;           // reset at accept (refuse mode or full)
  int64_t dropped = 0;           // reset by DropConnections or the trigger
  int64_t responses_cut = 0;     // DropOnNextResponse triggers that fired
  int64_t bytes_to_target = 0;   // bytes written to the target
  int64_t bytes_to_client = 0;   // bytes written to clients
  int64_t open_connections = 0;  // now
};

class FaultProxy {
 public:
  // INVALID_ARGUMENT for a bad address or port; the socket errors of
  // binding or listening name the address.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Create(
      const FaultProxyOptions& options);
  // Stops the loop and closes every socket.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "host:port" to give to clients

  void SetLatency(Direction direction, absl::Duration latency);
  void DropConnections();
  void SetRefuseNew(bool refuse);
  void SetPartitioned(bool partitioned);
  // Arms the one-shot trigger described above (arming twice fires twice).
  void DropOnNextResponse();
  FaultProxyStats stats() const;

 private:
  struct Control {
    absl::Duration latency_to_target;
    absl::Duration latency_to_client;
    bool refuse_new = false;
    bool partitioned = false;
    int64_t drop_generation = 0;
    int64_t cuts_armed = 0;
  };
  FaultProxy(const FaultProxyOptions& options, int listen_fd, int wake_fd,
             int epoll_fd, int port);
  // Applies `change` to the control block, wakes the loop and waits until
  // it has read the new control block.
  void Change(const std::function<void(Control&)>& change);
  void Run();

  const FaultProxyOptions options_;
  const int listen_fd_, wake_fd_, epoll_fd_, port_;

  mutable absl::Mutex mu_;
  Control control_ ABSL_GUARDED_BY(mu_);
  int64_t control_version_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t applied_version_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  FaultProxyStats stats_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace netfault
}  // namespace tailor

#endif  // TAILOR_TOOLS_NETFAULT_FAULT_PROXY_H_
