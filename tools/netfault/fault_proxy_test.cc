#include "tools/netfault/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"

namespace tailor {
namespace netfault {
namespace {

// A loopback echo server on an OS-chosen port: one thread per connection,
// bounded by the test's connections.
class EchoServer {
 public:
  EchoServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    listen(fd_, 16);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // shutdown() of the listener
        connections_.fetch_add(1);
        echoes_.emplace_back([c] {
          char buf[4096];
          ssize_t n;
          while ((n = read(c, buf, sizeof(buf))) > 0) {
            if (write(c, buf, n) != n) break;
          }
          close(c);
        });
      }
    });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    accept_.join();
    close(fd_);
    for (std::thread& t : echoes_) t.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread accept_;
  std::vector<std::thread> echoes_;  // only the accept thread adds
};

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads exactly `n` bytes within `timeout`. Returns what arrived; on EOF or
// a reset, what arrived before it.
std::string ReadBytes(int fd, size_t n, absl::Duration timeout) {
  std::string out;
  const absl::Time deadline = absl::Now() + timeout;
  while (out.size() < n) {
    const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) break;
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left_ms)) <= 0) break;
    char buf[4096];
    const ssize_t got = read(fd, buf, std::min(sizeof(buf), n - out.size()));
    if (got <= 0) break;
    out.append(buf, got);
  }
  return out;
}

// True when the peer closed or reset `fd` within `timeout`.
bool ClosedByPeer(int fd, absl::Duration timeout) {
  pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return false;
  }
  char c;
  return read(fd, &c, 1) <= 0;
}

std::unique_ptr<FaultProxy> ProxyTo(int port) {
  FaultProxyOptions options;
  options.target_port = port;
  absl::StatusOr<std::unique_ptr<FaultProxy>> proxy =
      FaultProxy::Create(options);
  EXPECT_TRUE(proxy.ok()) << proxy.status();
  return proxy.ok() ? *std::move(proxy) : nullptr;
}

TEST(FaultProxyTest, ForwardsBytesBothWays) {
  EchoServer echo;
  std::unique_ptr<FaultProxy> proxy = ProxyTo(echo.port());
  ASSERT_NE(proxy, nullptr);
  EXPECT_GT(proxy->port(), 0);
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);
  std::string big(200000, 'a');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::thread writer([&] {
    ASSERT_EQ(write(fd, big.data(), big.size()),
              static_cast<ssize_t>(big.size()));
  });
  EXPECT_EQ(ReadBytes(fd, big.size(), absl::Seconds(20)), big);
  writer.join();
  close(fd);
  EXPECT_EQ(proxy->stats().bytes_to_target, static_cast<int64_t>(big.size()));
}

TEST(FaultProxyTest, AddsLatencyPerDirection) {
  EchoServer echo;
  std::unique_ptr<FaultProxy> proxy = ProxyTo(echo.port());
  ASSERT_NE(proxy, nullptr);
  proxy->SetLatency(Direction::kToTarget, absl::Milliseconds(150));
  proxy->SetLatency(Direction::kToClient, absl::Milliseconds(100));
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);
  const absl::Time start = absl::Now();
  ASSERT_EQ(write(fd, "ping", 4), 4);
  EXPECT_EQ(ReadBytes(fd, 4, absl::Seconds(10)), "ping");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  // Back to no latency: well under the injected round trip.
  proxy->SetLatency(Direction::kToTarget, absl::ZeroDuration());
  proxy->SetLatency(Direction::kToClient, absl::ZeroDuration());
  const absl::Time again = absl::Now();
  ASSERT_EQ(write(fd, "pong", 4), 4);
  EXPECT_EQ(ReadBytes(fd, 4, absl::Seconds(10)), "pong");
  EXPECT_LT(absl::Now() - again, absl::Milliseconds(250));
  close(fd);
}

TEST(FaultProxyTest, PartitionHoldsBytesWithoutClosingAndHealDeliversThem) {
  EchoServer echo;
  std::unique_ptr<FaultProxy> proxy = ProxyTo(echo.port());
  ASSERT_NE(proxy, nullptr);
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "a", 1), 1);
  ASSERT_EQ(ReadBytes(fd, 1, absl::Seconds(10)), "a");
  proxy->SetPartitioned(true);
  ASSERT_EQ(write(fd, "bc", 2), 2);
  // Nothing comes back, and the connection stays open.
  EXPECT_EQ(ReadBytes(fd, 2, absl::Milliseconds(300)), "");
  // A connection made during the partition is accepted but not forwarded.
  const int late = Connect(proxy->port());
  ASSERT_GE(late, 0);
  ASSERT_EQ(write(late, "z", 1), 1);
  EXPECT_EQ(ReadBytes(late, 1, absl::Milliseconds(100)), "");
  EXPECT_EQ(echo.connections(), 1);
  proxy->SetPartitioned(false);
  EXPECT_EQ(ReadBytes(fd, 2, absl::Seconds(10)), "bc");
  EXPECT_EQ(ReadBytes(late, 1, absl::Seconds(10)), "z");
  close(fd);
  close(late);
}

TEST(FaultProxyTest, DropConnectionsResetsOpenConnections) {
  EchoServer echo;
  std::unique_ptr<FaultProxy> proxy = ProxyTo(echo.port());
  ASSERT_NE(proxy, nullptr);
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "x", 1), 1);
  ASSERT_EQ(ReadBytes(fd, 1, absl::Seconds(10)), "x");
  proxy->DropConnections();
  EXPECT_TRUE(ClosedByPeer(fd, absl::Seconds(10)));
  close(fd);
  EXPECT_EQ(proxy->stats().dropped, 1);
  // New connections work again.
  const int next = Connect(proxy->port());
  ASSERT_EQ(write(next, "y", 1), 1);
  EXPECT_EQ(ReadBytes(next, 1, absl::Seconds(10)), "y");
  close(next);
}

TEST(FaultProxyTest, RefuseNewResetsNewConnectionsOnly) {
  EchoServer echo;
  std::unique_ptr<FaultProxy> proxy = ProxyTo(echo.port());
  ASSERT_NE(proxy, nullptr);
  const int old = Connect(proxy->port());
  ASSERT_EQ(write(old, "o", 1), 1);
  ASSERT_EQ(ReadBytes(old, 1, absl::Seconds(10)), "o");
  proxy->SetRefuseNew(true);
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);  // the kernel completes the handshake; then a reset
  EXPECT_TRUE(ClosedByPeer(fd, absl::Seconds(10)));
  close(fd);
  ASSERT_EQ(write(old, "p", 1), 1);
  EXPECT_EQ(ReadBytes(old, 1, absl::Seconds(10)), "p");
  EXPECT_EQ(proxy->stats().refused, 1);
  proxy->SetRefuseNew(false);
  const int next = Connect(proxy->port());
  ASSERT_EQ(write(next, "q", 1), 1);
  EXPECT_EQ(ReadBytes(next, 1, absl::Seconds(10)), "q");
  close(next);
  close(old);
}

TEST(FaultProxyTest, UnreachableTargetResetsTheClient) {
  // A port nobody listens on: bind one, then close it.
  int port = 0;
  {
    EchoServer gone;
    port = gone.port();
  }
  std::unique_ptr<FaultProxy> proxy = ProxyTo(port);
  ASSERT_NE(proxy, nullptr);
  const int fd = Connect(proxy->port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ClosedByPeer(fd, absl::Seconds(10)));
  close(fd);
}

TEST(FaultProxyTest, RejectsBadOptions) {
  FaultProxyOptions options;
  EXPECT_TRUE(absl::IsInvalidArgument(FaultProxy::Create(options).status()));
  options.target_port = 80;
  options.target_host = "not-an-address";
  const absl::Status s = FaultProxy::Create(options).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("not-an-address"), std::string::npos) << s;
}

// A gRPC health check through `channel`.
grpc::Status HealthCheck(grpc::GenericStub& stub) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

TEST(FaultProxyTest, DropOnNextResponseCutsOneAnsweredGrpcCall) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<FaultProxy> proxy = ProxyTo(port);
  ASSERT_NE(proxy, nullptr);
  grpc::GenericStub stub(grpc::CreateChannel(
      proxy->address(), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(HealthCheck(stub).ok());
  proxy->DropOnNextResponse();
  const grpc::Status cut = HealthCheck(stub);
  EXPECT_EQ(cut.error_code(), grpc::StatusCode::UNAVAILABLE)
      << cut.error_message();
  EXPECT_EQ(proxy->stats().responses_cut, 1);
  // One shot: the channel reconnects and the next call is answered.
  EXPECT_TRUE(HealthCheck(stub).ok());
  EXPECT_EQ(proxy->stats().responses_cut, 1);
  server->Shutdown(std::chrono::system_clock::now());
}

}  // namespace
}  // namespace netfault
}  // namespace tailor
