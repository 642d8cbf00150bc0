#include "parameter_server/parameter_server_service.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/grpc_status.h"
#include "grpcpp/grpcpp.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/request_checks.h"
#include "parameter_server/serial_executor.h"
#include "parameter_server/service_internal.h"
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace ps_internal {

// The one place a shard's absl::Status becomes a grpc::Status: the code and
// message through ToGrpcStatus, the ErrorInfo payload (if any) as a
// serialized tailor.v1.RpcStatus in the error details.
grpc::Status ToWire(const absl::Status& status) {
  grpc::Status g = ToGrpcStatus(status);
  std::optional<v1::ErrorInfo> info = GetErrorInfo(status);
  if (g.ok() || !info.has_value()) return g;
  v1::RpcStatus rpc;
  rpc.set_code(static_cast<int>(g.error_code()));
  rpc.set_message(g.error_message());
  rpc.add_details()->PackFrom(*info);
  return grpc::Status(g.error_code(), g.error_message(),
                      rpc.SerializeAsString());
}

absl::Status ShuttingDown(absl::string_view rpc) {
  ErrorDetail detail;
  detail.reason = v1::ERROR_REASON_SHUTTING_DOWN;
  return PsError(absl::StatusCode::kFailedPrecondition, detail,
                 absl::StrCat(rpc, ": the parameter server is shutting down"));
}

absl::Status WaitEnded(grpc::CallbackServerContext* ctx,
                       absl::string_view rpc) {
  if (ctx->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        absl::StrCat(rpc,
                     ": the deadline passed while waiting for slower "
                     "workers"));
  }
  return absl::CancelledError(absl::StrCat(rpc, ": cancelled by the client"));
}

CallRecord::CallRecord(ServiceContext* svc, absl::string_view method)
    : svc_(svc), method_(method), start_(svc->state()->clock()->Now()) {}

bool CallRecord::Finish(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    finished_ = true;
  }
  svc_->state()->stats().Record(method_, svc_->state()->clock()->Now() - start_,
                                status.ok(), bytes_in, bytes_out);
  return true;
}

}  // namespace ps_internal

namespace {

using grpc::CallbackServerContext;
using ps_internal::CallRecord;
using ps_internal::NewGramReactor;
using ps_internal::NewPullReactor;
using ps_internal::NewPushReactor;
using ps_internal::ServiceContext;
using ps_internal::ShuttingDown;
using ps_internal::ToWire;
using ps_internal::WaitEnded;

TableSpec SpecFromProto(const v1::CreateTableRequest& r) {
  TableSpec spec;
  spec.name = r.name();
  spec.dim = static_cast<int>(std::min<uint32_t>(r.dim(), 1u << 20));
  spec.init.kind = static_cast<InitializerSpec::Kind>(r.init().kind());
  spec.init.seed = r.init().seed();
  spec.init.mean = r.init().mean();
  spec.init.stddev = r.init().stddev();
  spec.init.low = r.init().low();
  spec.init.high = r.init().high();
  return spec;
}

class ServiceImpl final : public ParameterServerService,
                          public ServiceContext,
                          public v1::ParameterServer::CallbackService {
 public:
  ServiceImpl(ShardState* state, ParameterServerServiceOptions options)
      : state_(state),
        options_(std::move(options)),
        start_(state->clock()->Now()) {}

  grpc::Service* grpc_service() override { return this; }
  void BeginShutdown() override {
    shutting_down_.store(true);
    state_->clocks().Shutdown(ShuttingDown("wait"));
  }
  void FailPushesAfterApplyForTesting(int n) override { fail_pushes_ = n; }

  ShardState* state() override { return state_; }
  bool shutting_down() const override { return shutting_down_.load(); }
  bool TakeInjectedPushFailure() override {
    int n = fail_pushes_.load();
    while (n > 0 && !fail_pushes_.compare_exchange_weak(n, n - 1)) {
    }
    return n > 0;
  }

  grpc::ServerUnaryReactor* CreateTable(CallbackServerContext* ctx,
                                        const v1::CreateTableRequest* req,
                                        v1::CreateTableResponse* resp) override;
  grpc::ServerWriteReactor<v1::PullResponse>* Pull(
      CallbackServerContext* ctx, const v1::PullRequest* req) override;
  grpc::ServerReadReactor<v1::PushRequest>* Push(
      CallbackServerContext* ctx, v1::PushResponse* resp) override;
  grpc::ServerWriteReactor<v1::GramPartialResponse>* GramPartial(
      CallbackServerContext* ctx, const v1::GramPartialRequest* req) override;
  grpc::ServerUnaryReactor* Clock(CallbackServerContext* ctx,
                                  const v1::ClockRequest* req,
                                  v1::ClockResponse* resp) override;
  grpc::ServerUnaryReactor* Barrier(CallbackServerContext* ctx,
                                    const v1::BarrierRequest* req,
                                    v1::BarrierResponse* resp) override;
  grpc::ServerUnaryReactor* Checkpoint(CallbackServerContext* ctx,
                                       const v1::CheckpointRequest* req,
                                       v1::CheckpointResponse* resp) override;
  grpc::ServerUnaryReactor* Restore(CallbackServerContext* ctx,
                                    const v1::RestoreRequest* req,
                                    v1::RestoreResponse* resp) override;
  grpc::ServerUnaryReactor* GetStats(CallbackServerContext* ctx,
                                     const v1::GetStatsRequest* req,
                                     v1::GetStatsResponse* resp) override;
  grpc::ServerUnaryReactor* Shutdown(CallbackServerContext* ctx,
                                     const v1::ShutdownRequest* req,
                                     v1::ShutdownResponse* resp) override;

 private:
  ShardState* const state_;
  const ParameterServerServiceOptions options_;
  const absl::Time start_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> shutdown_called_{false};
  std::atomic<int> fail_pushes_{0};
  SerialExecutor io_;  // checkpoint and restore
};

// A unary call answered at once on the reactor thread.
template <typename Fill>
grpc::ServerUnaryReactor* Unary(ServiceContext* svc, CallbackServerContext* ctx,
                                absl::string_view method, Fill fill) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  CallRecord record(svc, method);
  absl::Status status =
      svc->shutting_down() ? ShuttingDown(method) : fill(&record);
  record.Finish(status);
  reactor->Finish(ToWire(status));
  return reactor;
}

grpc::ServerUnaryReactor* ServiceImpl::CreateTable(
    CallbackServerContext* ctx, const v1::CreateTableRequest* req,
    v1::CreateTableResponse* resp) {
  return Unary(this, ctx, "CreateTable", [&](CallRecord*) -> absl::Status {
    bool existed = false;
    absl::StatusOr<TableInfo> info =
        state_->CreateTable(SpecFromProto(*req), &existed);
    if (!info.ok()) return info.status();
    resp->set_already_existed(existed);
    resp->set_rows(info->rows);
    return absl::OkStatus();
  });
}

// ---------------------------------------------------------------------------
// Calls that may wait for clocks or barriers.

// A unary reactor whose answer comes from a ClockTable callback; a client
// cancel or deadline cancels the wait.
class WaitingUnary final : public grpc::ServerUnaryReactor {
 public:
  WaitingUnary(ServiceContext* svc, CallbackServerContext* ctx,
               absl::string_view method)
      : svc_(svc), ctx_(ctx), method_(method), record_(svc, method) {}

  // Records the wait id (0: it already completed).
  void SetWaiter(uint64_t id) {
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      waiter_ = id;
      cancel_now = cancelled_ && id != 0;
    }
    if (cancel_now)
      svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, method_));
  }
  void Complete(const absl::Status& status) {
    if (record_.Finish(status)) Finish(ToWire(status));
  }
  void OnCancel() override {
    uint64_t id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = waiter_;
    }
    if (id != 0) svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, method_));
  }
  void OnDone() override { delete this; }
  absl::Time start() const { return start_; }

 private:
  ServiceContext* svc_;
  CallbackServerContext* ctx_;
  absl::string_view method_;
  CallRecord record_;
  const absl::Time start_ = absl::Now();
  absl::Mutex mu_;
  uint64_t waiter_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerUnaryReactor* ServiceImpl::Clock(CallbackServerContext* ctx,
                                             const v1::ClockRequest* req,
                                             v1::ClockResponse* resp) {
  auto* reactor = new WaitingUnary(this, ctx, "Clock");
  if (shutting_down()) {
    reactor->Complete(ShuttingDown("Clock"));
    return reactor;
  }
  absl::StatusOr<ClockSnapshot> advanced = state_->clocks().Advance(
      req->worker_index(), req->num_workers(), req->clock());
  if (!advanced.ok()) {
    reactor->Complete(advanced.status());
    return reactor;
  }
  state_->NoteWorkerClock(req->worker_id(), req->clock());
  const int64_t target = req->clock() - static_cast<int64_t>(req->staleness());
  reactor->SetWaiter(state_->clocks().WaitForMinClock(
      target, [reactor, resp](absl::Status status, ClockSnapshot snap) {
        resp->set_min_clock(snap.min_clock);
        resp->set_max_clock(snap.max_clock);
        resp->set_waited_us(static_cast<uint64_t>(
            absl::ToInt64Microseconds(absl::Now() - reactor->start())));
        reactor->Complete(status);
      }));
  return reactor;
}

grpc::ServerUnaryReactor* ServiceImpl::Barrier(CallbackServerContext* ctx,
                                               const v1::BarrierRequest* req,
                                               v1::BarrierResponse* resp) {
  auto* reactor = new WaitingUnary(this, ctx, "Barrier");
  if (shutting_down()) {
    reactor->Complete(ShuttingDown("Barrier"));
    return reactor;
  }
  if (req->name().empty()) {
    reactor->Complete(MissingField("name", "Barrier"));
    return reactor;
  }
  reactor->SetWaiter(state_->clocks().ArriveAtBarrier(
      req->name(), req->generation(), req->worker_index(), req->participants(),
      [reactor, resp](absl::Status status, uint32_t arrived) {
        resp->set_arrived(arrived);
        resp->set_waited_us(static_cast<uint64_t>(
            absl::ToInt64Microseconds(absl::Now() - reactor->start())));
        reactor->Complete(status);
      }));
  return reactor;
}

// ---------------------------------------------------------------------------
// Streams (service_streams.cc)

grpc::ServerWriteReactor<v1::PullResponse>* ServiceImpl::Pull(
    CallbackServerContext* ctx, const v1::PullRequest* req) {
  return NewPullReactor(this, ctx, req);
}

grpc::ServerReadReactor<v1::PushRequest>* ServiceImpl::Push(
    CallbackServerContext* ctx, v1::PushResponse* resp) {
  return NewPushReactor(this, ctx, resp);
}

grpc::ServerWriteReactor<v1::GramPartialResponse>* ServiceImpl::GramPartial(
    CallbackServerContext* ctx, const v1::GramPartialRequest* req) {
  return NewGramReactor(this, ctx, req);
}

// ---------------------------------------------------------------------------
// Checkpoint and restore: IO runs on the executor, never on a reactor thread.

grpc::ServerUnaryReactor* ServiceImpl::Checkpoint(
    CallbackServerContext* ctx, const v1::CheckpointRequest* req,
    v1::CheckpointResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto record = std::make_shared<CallRecord>(this, "Checkpoint");
  if (shutting_down()) {
    record->Finish(ShuttingDown("Checkpoint"));
    reactor->Finish(ToWire(ShuttingDown("Checkpoint")));
    return reactor;
  }
  io_.Schedule([this, reactor, req, resp, record] {
    const absl::Time start = absl::Now();
    std::vector<std::string> tables(req->tables().begin(), req->tables().end());
    absl::StatusOr<CheckpointResult> result =
        state_->Checkpoint(req->directory(), req->iteration(), tables);
    absl::Status status = result.status();
    if (result.ok()) {
      resp->set_path(result->path);
      for (const CheckpointedFile& f : result->files) {
        v1::FileChecksum* out = resp->add_files();
        out->set_path(f.path);
        out->set_bytes(f.bytes);
        out->set_crc32c(f.crc32c);
      }
      resp->set_rows(result->rows);
      resp->set_bytes(result->bytes);
      resp->set_duration_ms(static_cast<uint64_t>(
          absl::ToInt64Milliseconds(absl::Now() - start)));
    }
    record->Finish(status);
    reactor->Finish(ToWire(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ServiceImpl::Restore(CallbackServerContext* ctx,
                                               const v1::RestoreRequest* req,
                                               v1::RestoreResponse* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto record = std::make_shared<CallRecord>(this, "Restore");
  if (shutting_down()) {
    record->Finish(ShuttingDown("Restore"));
    reactor->Finish(ToWire(ShuttingDown("Restore")));
    return reactor;
  }
  io_.Schedule([this, reactor, req, resp, record] {
    absl::StatusOr<RestoreResult> result =
        state_->Restore(req->directory(), req->iteration());
    if (result.ok()) {
      resp->set_iteration(result->iteration);
      for (const std::string& t : result->tables) resp->add_tables(t);
      resp->set_rows(result->rows);
      resp->set_clock(result->clock);
    }
    record->Finish(result.status());
    reactor->Finish(ToWire(result.status()));
  });
  return reactor;
}

// ---------------------------------------------------------------------------
// Stats and control

grpc::ServerUnaryReactor* ServiceImpl::GetStats(CallbackServerContext* ctx,
                                                const v1::GetStatsRequest* req,
                                                v1::GetStatsResponse* resp) {
  return Unary(this, ctx, "GetStats", [&](CallRecord*) -> absl::Status {
    const ShardStateOptions& o = state_->options();
    resp->set_shard_index(o.shard_index);
    resp->set_num_shards(o.num_shards);
    uint64_t rows = 0;
    for (const TableInfo& t : state_->ListTables()) {
      v1::TableStats* out = resp->add_tables();
      out->set_name(t.spec.name);
      out->set_dim(t.spec.dim);
      out->set_rows(t.rows);
      out->set_bytes(t.bytes);
      out->set_version(t.version);
      rows += t.rows;
    }
    resp->set_rows(rows);
    const ServerStats::Snapshot s = state_->stats().Get(req->reset());
    resp->set_bytes_in(s.bytes_in);
    resp->set_bytes_out(s.bytes_out);
    for (const auto& [name, m] : s.methods) {
      v1::MethodStats& out = (*resp->mutable_methods())[name];
      out.set_requests(m.requests);
      out.set_errors(m.errors);
      v1::LatencySummary* l = out.mutable_latency();
      l->set_count(m.latency.count);
      l->set_mean_us(m.latency.mean_us);
      l->set_p50_us(m.latency.p50_us);
      l->set_p90_us(m.latency.p90_us);
      l->set_p99_us(m.latency.p99_us);
      l->set_max_us(m.latency.max_us);
    }
    const ClockSnapshot clocks = state_->clocks().Snapshot();
    resp->set_min_clock(clocks.min_clock);
    resp->set_max_clock(clocks.max_clock);
    resp->set_uptime_ms(static_cast<uint64_t>(
        absl::ToInt64Milliseconds(state_->clock()->Now() - start_)));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ServiceImpl::Shutdown(CallbackServerContext* ctx,
                                                const v1::ShutdownRequest* req,
                                                v1::ShutdownResponse*) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  // Copied first: the request may be gone once the call is finished.
  const uint32_t grace_ms = req->grace_period_ms();
  const std::string reason = req->reason();
  CallRecord record(this, "Shutdown");
  record.Finish(absl::OkStatus());
  const bool first = !shutdown_called_.exchange(true);
  if (first) BeginShutdown();
  reactor->Finish(grpc::Status::OK);
  if (first && options_.on_shutdown) options_.on_shutdown(grace_ms, reason);
  return reactor;
}

}  // namespace

std::unique_ptr<ParameterServerService> ParameterServerService::Create(
    ShardState* state, ParameterServerServiceOptions options) {
  return std::make_unique<ServiceImpl>(state, std::move(options));
}

}  // namespace tailor
