#include "core/metrics/metrics_http_server.h"

#include <civetweb.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor::metrics {
namespace {

constexpr char kTextFormat[] = "text/plain; version=0.0.4; charset=utf-8";

bool IsGetOrHead(struct mg_connection* conn, bool* head) {
  const struct mg_request_info* info = mg_get_request_info(conn);
  *head = std::strcmp(info->request_method, "HEAD") == 0;
  return *head || std::strcmp(info->request_method, "GET") == 0;
}

int Reply(struct mg_connection* conn, const char* mime, const std::string& body,
          bool head) {
  mg_send_http_ok(conn, mime, static_cast<long long>(body.size()));
  if (!head) mg_write(conn, body.data(), body.size());
  return 200;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const MetricsHttpServerOptions& options, const MetricRegistry* registry) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics port ", options.port, " is not in 0..65535"));
  }
  if (options.threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics server threads must be >= 1, got ", options.threads));
  }
  mg_init_library(0);
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(registry));
  const std::string ports = absl::StrCat(options.host, ":", options.port);
  const std::string threads = absl::StrCat(options.threads);
  const char* config[] = {
      "listening_ports",    ports.c_str(), "num_threads", threads.c_str(),
      "request_timeout_ms", "10000",       nullptr};
  struct mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof(callbacks));
  struct mg_init_data init;
  std::memset(&init, 0, sizeof(init));
  init.callbacks = &callbacks;
  init.configuration_options = config;
  char error_text[256] = {0};
  unsigned error_code = 0;
  struct mg_error_data error;
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);
  server->context_ = mg_start2(&init, &error);
  if (server->context_ == nullptr) {
    mg_exit_library();
    return absl::UnavailableError(absl::StrCat(
        "metrics server could not listen on ", ports, ": ", error_text));
  }
  struct mg_server_port bound[4];
  const int n = mg_get_server_ports(server->context_, 4, bound);
  if (n < 1 || bound[0].port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics server on ", ports, " reports no bound port"));
  }
  server->port_ = bound[0].port;
  mg_set_request_handler(server->context_, "/metrics", &HandleMetrics,
                         server.get());
  mg_set_request_handler(server->context_, "/healthz", &HandleHealth,
                         server.get());
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (context_ != nullptr) {
    mg_stop(context_);
    mg_exit_library();
  }
}

int MetricsHttpServer::HandleMetrics(struct mg_connection* conn, void* self) {
  bool head = false;
  if (!IsGetOrHead(conn, &head)) {
    mg_send_http_error(conn, 405, "only GET and HEAD are supported\n");
    return 405;
  }
  const auto* server = static_cast<const MetricsHttpServer*>(self);
  return Reply(conn, kTextFormat, server->registry_->TextExposition(), head);
}

int MetricsHttpServer::HandleHealth(struct mg_connection* conn, void* self) {
  bool head = false;
  if (!IsGetOrHead(conn, &head)) {
    mg_send_http_error(conn, 405, "only GET and HEAD are supported\n");
    return 405;
  }
  return Reply(conn, "text/plain; charset=utf-8", "ok\n", head);
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> StartMetricsEndpoint(
    FileSystem* fs, const MetricsHttpServerOptions& options,
    const std::string& port_file, const MetricRegistry* registry) {
  if (options.port < 0) return nullptr;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<MetricsHttpServer> server,
                          MetricsHttpServer::Start(options, registry));
  if (!port_file.empty()) {
    const std::string temp = absl::StrCat(port_file, ".tmp");
    TAILOR_RETURN_IF_ERROR(
        WriteStringToFile(fs, temp, absl::StrCat(server->port(), "\n")));
    TAILOR_RETURN_IF_ERROR(fs->Rename(temp, port_file));
  }
  return server;
}

}  // namespace tailor::metrics
