#include "ranker/server/ranker_service.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "ranker/engine/rank_error.h"
#include "tailor/v1/common.pb.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor::ranker {
namespace {

using tailor::v1::GetModelStatusRequest;
using tailor::v1::GetModelStatusResponse;
using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

// The one place the ranker's absl::Status becomes a grpc::Status: code and
// message through ToGrpcStatus; the ErrorInfo payload (rank_error.h), when
// present, as a serialized tailor.v1.RpcStatus in the error details.
grpc::Status ToWire(const absl::Status& status) {
  grpc::Status g = ToGrpcStatus(status);
  std::optional<tailor::v1::ErrorInfo> info = GetRankErrorInfo(status);
  if (g.ok() || !info.has_value()) return g;
  tailor::v1::RpcStatus rpc;
  rpc.set_code(static_cast<int>(g.error_code()));
  rpc.set_message(g.error_message());
  rpc.add_details()->PackFrom(*info);
  return grpc::Status(g.error_code(), g.error_message(),
                      rpc.SerializeAsString());
}

class ServiceImpl final : public RankerService,
                          public tailor::v1::Ranker::CallbackService {
 public:
  ServiceImpl(RankEngine* engine, RankerMetrics* metrics,
              RankerServiceOptions options)
      : engine_(engine),
        metrics_(metrics),
        options_(std::move(options)),
        queue_(options_.work) {}

  grpc::Service* grpc_service() override { return this; }
  void BeginShutdown() override { shutting_down_.store(true); }

  grpc::ServerUnaryReactor* Rank(grpc::CallbackServerContext* ctx,
                                 const RankRequest* request,
                                 RankResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    const absl::Time start = absl::Now();
    if (shutting_down_.load()) {
      Finish(reactor, "Rank", start, request, nullptr,
             RankError(absl::StatusCode::kUnavailable,
                       tailor::v1::ERROR_REASON_SHUTTING_DOWN, "", "",
                       "Rank: the ranker is shutting down"));
      return reactor;
    }
    auto work = [this, ctx, request, response, reactor, start] {
      absl::Status status = RankNow(ctx, *request, response, start);
      Finish(reactor, "Rank", start, request, response, status);
    };
    if (!queue_.TrySchedule(std::move(work))) {
      if (metrics_ != nullptr) metrics_->RecordShed();
      Finish(reactor, "Rank", start, request, nullptr,
             RankError(absl::StatusCode::kResourceExhausted,
                       tailor::v1::ERROR_REASON_OVERLOADED, "", "",
                       absl::StrCat("Rank: the server is overloaded (",
                                    options_.work.max_queued,
                                    " requests already queued); retry with "
                                    "backoff")));
    }
    return reactor;
  }

  grpc::ServerUnaryReactor* GetModelStatus(
      grpc::CallbackServerContext* ctx, const GetModelStatusRequest* request,
      GetModelStatusResponse* response) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    const absl::Time start = absl::Now();
    absl::StatusOr<GetModelStatusResponse> status =
        engine_->GetModelStatus(*request);
    if (status.ok()) response->Swap(&*status);
    Finish(reactor, "GetModelStatus", start, nullptr, nullptr, status.status());
    return reactor;
  }

 private:
  absl::Status RankNow(grpc::CallbackServerContext* ctx,
                       const RankRequest& request, RankResponse* response,
                       absl::Time start) {
    if (ctx->IsCancelled()) {
      return absl::CancelledError("Rank: cancelled by the client");
    }
    RankCall call;
    call.deadline = absl::FromChrono(ctx->deadline());
    if (absl::Now() >= call.deadline) {
      return absl::DeadlineExceededError(
          "Rank: the deadline passed while the request was queued");
    }
    call.cancelled = [ctx] { return ctx->IsCancelled(); };
    // explain: the model's stage times go back as trailing metadata.
    RankTrace trace;
    if (request.explain()) call.trace = &trace;
    absl::StatusOr<RankResponse> ranked = engine_->Rank(request, call);
    if (!ranked.ok()) return ranked.status();
    if (request.explain()) {
      ctx->AddTrailingMetadata(std::string(kRankTraceMetadataKey),
                               FormatRankTrace(trace));
    }
    response->Swap(&*ranked);
    tailor::v1::ServedBy* served_by = response->mutable_served_by();
    if (served_by->hostname().empty()) {
      served_by->set_hostname(options_.hostname);
    }
    if (served_by->replica().empty()) served_by->set_replica(options_.replica);
    if (served_by->build().empty()) served_by->set_build(options_.build);
    // Queueing included, so the figure is the whole time in this server.
    served_by->set_server_latency_us(
        static_cast<uint64_t>(absl::ToInt64Microseconds(absl::Now() - start)));
    return absl::OkStatus();
  }

  // `request` is set for Rank calls only (the request log is of Rank).
  void Finish(grpc::ServerUnaryReactor* reactor, const char* method,
              absl::Time start, const RankRequest* request,
              const RankResponse* response, const absl::Status& status) {
    const absl::Duration latency = absl::Now() - start;
    if (metrics_ != nullptr) {
      metrics_->RecordCall(method, status, latency,
                           status.ok() ? response : nullptr);
    }
    if (options_.request_log != nullptr && request != nullptr) {
      LogRankCall(options_.request_log, *request,
                  status.ok() ? response : nullptr, status, latency);
    }
    reactor->Finish(ToWire(status));
  }

  RankEngine* const engine_;
  RankerMetrics* const metrics_;
  const RankerServiceOptions options_;
  std::atomic<bool> shutting_down_{false};
  // Last member: destroyed first, so its workers finish before the rest.
  WorkQueue queue_;
};

}  // namespace

void LogRankCall(logging::Logger* log, const RankRequest& request,
                 const RankResponse* response, const absl::Status& status,
                 absl::Duration latency) {
  // Bounded: a fixed set of fields; the request id and the error message
  // are cut to 128 and 256 bytes.
  constexpr size_t kMaxRequestIdBytes = 128;
  constexpr size_t kMaxErrorBytes = 256;
  std::vector<logging::LogField> fields;
  fields.reserve(8);
  fields.emplace_back("model",
                      response != nullptr && !response->model_name().empty()
                          ? response->model_name()
                          : request.model_name());
  if (response != nullptr) {
    fields.emplace_back("version", response->model_version());
    fields.emplace_back("label", response->version_label());
    fields.emplace_back("arm", response->experiment_arm());
    fields.emplace_back("items", response->items_size());
    fields.emplace_back("cold_start", response->cold_start());
  } else {
    fields.emplace_back("version", nullptr);
    fields.emplace_back("label", request.version_label());
    fields.emplace_back("arm", nullptr);
    fields.emplace_back("items", 0);
    fields.emplace_back("cold_start", nullptr);
  }
  fields.emplace_back("code", absl::StatusCodeToString(status.code()));
  fields.emplace_back("latency_us", absl::ToInt64Microseconds(latency));
  if (!status.ok()) {
    absl::string_view message = status.message();
    if (message.size() > kMaxErrorBytes)
      message = message.substr(0, kMaxErrorBytes);
    fields.emplace_back("error", std::string(message));
  }
  log->Log(
      status.ok() ? logging::LogLevel::kInfo : logging::LogLevel::kWarning,
      "rank", fields,
      absl::string_view(request.request_id()).substr(0, kMaxRequestIdBytes));
}

std::string FormatRankTrace(const RankTrace& t) {
  return absl::StrCat("user_us=", t.user_us, " retrieval_us=", t.retrieval_us,
                      " filter_us=", t.filter_us,
                      " features_us=", t.features_us, " blend_us=", t.blend_us,
                      " response_us=", t.response_us,
                      " candidates=", t.candidates);
}

std::unique_ptr<RankerService> RankerService::Create(
    RankEngine* engine, RankerMetrics* metrics,
    const RankerServiceOptions& options) {
  return std::make_unique<ServiceImpl>(engine, metrics, options);
}

}  // namespace tailor::ranker
