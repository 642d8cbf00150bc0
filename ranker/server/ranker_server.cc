#include "ranker/server/ranker_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace tailor::ranker {
namespace {

constexpr char kServiceName[] = "tailor.v1.Ranker";

}  // namespace

absl::StatusOr<std::unique_ptr<RankerServer>> RankerServer::Start(
    const RankerServerOptions& options, RankEngine* engine) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--port=", options.port, " is not in 0..65535"));
  }
  if (options.metrics_port < -1 || options.metrics_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_port=", options.metrics_port, " is not in -1..65535"));
  }
  if (options.health_port < -1 || options.health_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--health_port=", options.health_port, " is not in -1..65535"));
  }
  if (options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the poll interval must be positive");
  }
  std::unique_ptr<RankerServer> s(new RankerServer());
  s->engine_ = engine;
  s->poll_interval_ = options.poll_interval;
  s->host_ = options.host;
  s->metrics_ = std::make_unique<RankerMetrics>(&s->registry_);
  s->service_ =
      RankerService::Create(engine, s->metrics_.get(), options.service);

  if (options.metrics_port >= 0) {
    metrics::MetricsHttpServerOptions http;
    http.host = options.metrics_host;
    http.port = options.metrics_port;
    absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> started =
        metrics::MetricsHttpServer::Start(http, &s->registry_);
    if (!started.ok()) return started.status();
    s->http_ = std::move(*started);
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string address = absl::StrCat(options.host, ":", options.port);
  builder.AddListeningPort(address,
                           options.credentials != nullptr
                               ? options.credentials
                               : grpc::InsecureServerCredentials(),
                           &s->port_);
  builder.RegisterService(s->service_->grpc_service());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    s->server_.reset();
    return absl::UnavailableError(
        absl::StrCat("the ranker could not listen on ", address));
  }
  if (options.health_port >= 0) {
    // Only the default health service, in plaintext: probes learn SERVING /
    // NOT_SERVING and nothing else.
    absl::StatusOr<std::unique_ptr<HealthOnlyServer>> health =
        HealthOnlyServer::Start(options.health_host, options.health_port,
                                "--health_port");
    if (!health.ok()) {
      s->server_->Shutdown();
      return health.status();
    }
    s->health_server_ = *std::move(health);
    s->health_port_ = s->health_server_->port();
  }
  s->SetHealth(false);
  s->RefreshModelStatus();
  s->poller_ = std::thread([server = s.get()] { server->PollLoop(); });
  return s;
}

RankerServer::~RankerServer() { Shutdown(absl::Seconds(5)); }

int RankerServer::metrics_port() const {
  return http_ == nullptr ? -1 : http_->port();
}

std::string RankerServer::address() const {
  return absl::StrCat(host_, ":", port_);
}

bool RankerServer::RefreshModelStatus() {
  absl::StatusOr<tailor::v1::GetModelStatusResponse> status =
      engine_->GetModelStatus({});
  const bool available = status.ok() && AnyVersionAvailable(*status);
  if (status.ok()) metrics_->UpdateModelStatus(*status);
  absl::MutexLock lock(&mu_);
  if (stopped_ || server_ == nullptr) return serving_;
  if (available != serving_) {
    serving_ = available;
    SetHealth(available);
  }
  return serving_;
}

void RankerServer::SetHealth(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
  if (health_server_ != nullptr) {
    health_server_->SetServing("", serving);
    health_server_->SetServing(kServiceName, serving);
  }
}

bool RankerServer::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

void RankerServer::PollLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes early when Shutdown sets stopping_.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), poll_interval_);
      if (stopping_) return;
    }
    RefreshModelStatus();
  }
}

void RankerServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
  if (server_ != nullptr) {
    {
      absl::MutexLock lock(&mu_);
      server_->GetHealthCheckService()->Shutdown();
      if (health_server_ != nullptr) health_server_->EndServing();
    }
    service_->BeginShutdown();
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoNanoseconds(grace));
  }
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ZeroDuration());
  }
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  http_.reset();
}

}  // namespace tailor::ranker
