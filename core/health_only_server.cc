#include "core/health_only_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace tailor {

absl::StatusOr<std::unique_ptr<HealthOnlyServer>> HealthOnlyServer::Start(
    const std::string& host, int port, const std::string& flag_name) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag_name, "=", port, " is not in 0..65535"));
  }
  grpc::EnableDefaultHealthCheckService(true);
  const std::string address = absl::StrCat(host, ":", port);
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                           &bound_port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address, " (", flag_name, ") for health checks"));
  }
  return std::unique_ptr<HealthOnlyServer>(
      new HealthOnlyServer(std::move(server), bound_port));
}

HealthOnlyServer::HealthOnlyServer(std::unique_ptr<grpc::Server> server,
                                   int port)
    : server_(std::move(server)), port_(port) {}

HealthOnlyServer::~HealthOnlyServer() { Shutdown(absl::ZeroDuration()); }

void HealthOnlyServer::SetServing(const std::string& service, bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (service.empty()) {
    health->SetServingStatus(serving);
  } else {
    health->SetServingStatus(service, serving);
  }
}

void HealthOnlyServer::EndServing() {
  server_->GetHealthCheckService()->Shutdown();
}

void HealthOnlyServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  EndServing();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  server_.reset();
}

}  // namespace tailor
