#include "core/metrics/metrics_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sends `request` to 127.0.0.1:port and reads until the server closes.
std::string HttpExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, 0);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0)
    response.append(buffer, n);
  close(fd);
  return response;
}

std::string Get(int port, const std::string& path,
                const std::string& method = "GET") {
  return HttpExchange(port, absl::StrCat(method, " ", path,
                                         " HTTP/1.1\r\nHost: localhost\r\n"
                                         "Connection: close\r\n\r\n"));
}

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    requests_ = registry_.AddCounter("t_requests_total", "Requests.", {"code"});
    requests_->WithLabels({"OK"})->Increment(7);
    auto server = MetricsHttpServer::Start({}, &registry_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  MetricRegistry registry_;
  MetricFamily<Counter>* requests_ = nullptr;
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, ServesTheRegistryInTextFormat) {
  ASSERT_GT(server_->port(), 0);
  const std::string response = Get(server_->port(), "/metrics");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(response, HasSubstr("\r\n\r\n# HELP t_requests_total"));
  EXPECT_THAT(response, HasSubstr("t_requests_total{code=\"OK\"} 7\n"));
}

TEST_F(MetricsHttpServerTest, EachScrapeSeesCurrentValues) {
  requests_->WithLabels({"OK"})->Increment();
  EXPECT_THAT(Get(server_->port(), "/metrics"),
              HasSubstr("t_requests_total{code=\"OK\"} 8\n"));
}

TEST_F(MetricsHttpServerTest, HealthzAnswersOk) {
  const std::string response = Get(server_->port(), "/healthz");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("\r\n\r\nok\n"));
}

TEST_F(MetricsHttpServerTest, UnknownPathIs404AndPostIs405) {
  EXPECT_THAT(Get(server_->port(), "/secrets"), StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(Get(server_->port(), "/metrics", "POST"),
              StartsWith("HTTP/1.1 405"));
}

TEST_F(MetricsHttpServerTest, GarbageRequestDoesNotStopTheServer) {
  HttpExchange(server_->port(), "\x01\x02 not http at all\r\n\r\n");
  EXPECT_THAT(Get(server_->port(), "/metrics"), StartsWith("HTTP/1.1 200"));
}

TEST(MetricsHttpServerStartTest, BadPortIsInvalidArgument) {
  MetricRegistry registry;
  MetricsHttpServerOptions options;
  options.port = 70000;
  EXPECT_EQ(MetricsHttpServer::Start(options, &registry).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MetricsHttpServerStartTest, PortInUseIsUnavailable) {
  MetricRegistry registry;
  auto first = MetricsHttpServer::Start({}, &registry);
  ASSERT_TRUE(first.ok()) << first.status();
  MetricsHttpServerOptions options;
  options.port = (*first)->port();
  auto second = MetricsHttpServer::Start(options, &registry);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(StartMetricsEndpointTest, NegativePortTurnsTheEndpointOff) {
  MetricRegistry registry;
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  MetricsHttpServerOptions options;
  options.port = -1;
  auto server = StartMetricsEndpoint(fs.get(), options, "/port", &registry);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(*server, nullptr);
  EXPECT_FALSE(ReadFileToString(fs.get(), "/port").ok());
}

TEST(StartMetricsEndpointTest, WritesTheBoundPortToThePortFile) {
  MetricRegistry registry;
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  auto server = StartMetricsEndpoint(fs.get(), {}, "/port", &registry);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_NE(*server, nullptr);
  auto text = ReadFileToString(fs.get(), "/port");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, absl::StrCat((*server)->port(), "\n"));
  EXPECT_FALSE(ReadFileToString(fs.get(), "/port.tmp").ok());
}

TEST(StartMetricsEndpointTest, UnwritablePortFileIsAnError) {
  MetricRegistry registry;
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  EXPECT_FALSE(
      StartMetricsEndpoint(fs.get(), {}, "/missing/dir/port", &registry).ok());
}

}  // namespace
}  // namespace tailor::metrics
