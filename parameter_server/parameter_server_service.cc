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
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace {

using grpc::CallbackServerContext;

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

absl::Status WaitEnded(CallbackServerContext* ctx, absl::string_view rpc) {
  if (ctx->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError(
        absl::StrCat(rpc,
                     ": the deadline passed while waiting for slower "
                     "workers"));
  }
  return absl::CancelledError(absl::StrCat(rpc, ": cancelled by the client"));
}

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

class ServiceImpl;

// Finishes a call exactly once and records its statistics.
class CallRecord {
 public:
  CallRecord(ServiceImpl* svc, absl::string_view method);
  // Returns false when the call had already finished.
  bool Finish(const absl::Status& status);
  uint64_t bytes_in = 0, bytes_out = 0;

 private:
  ServiceImpl* svc_;
  absl::string_view method_;
  absl::Time start_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class ServiceImpl final : public ParameterServerService,
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

  ShardState* state() { return state_; }
  bool shutting_down() const { return shutting_down_.load(); }
  bool TakeInjectedPushFailure() {
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

CallRecord::CallRecord(ServiceImpl* svc, absl::string_view method)
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

// A unary call answered at once on the reactor thread.
template <typename Fill>
grpc::ServerUnaryReactor* Unary(ServiceImpl* svc, CallbackServerContext* ctx,
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
  WaitingUnary(ServiceImpl* svc, CallbackServerContext* ctx,
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
  ServiceImpl* svc_;
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
// Pull

class PullReactor final : public grpc::ServerWriteReactor<v1::PullResponse> {
 public:
  PullReactor(ServiceImpl* svc, CallbackServerContext* ctx,
              const v1::PullRequest* req)
      : svc_(svc), ctx_(ctx), req_(req), record_(svc, "Pull") {}

  void Start() {
    const std::string context =
        absl::StrCat("Pull from table '", req_->table(), "'");
    absl::Status status;
    if (svc_->shutting_down()) {
      status = ShuttingDown("Pull");
    } else if (req_->table().empty()) {
      status = MissingField("table", "Pull");
    } else {
      status = CheckRequestKeyCount(req_->keys().keys_size(), context);
    }
    if (status.ok()) {
      keys_ = absl::MakeConstSpan(req_->keys().keys().data(),
                                  req_->keys().keys_size());
      status = CheckKeysAscending(keys_, std::nullopt, context, "keys.keys", 0);
    }
    absl::StatusOr<TableInfo> info;
    if (status.ok()) {
      info = svc_->state()->GetTable(req_->table());
      status = info.status();
    }
    if (!status.ok()) return Fail(status);
    dim_ = info->spec.dim;
    chunk_rows_ = MaxRowsPerChunk(dim_);
    if (req_->max_rows_per_chunk() > 0) {
      chunk_rows_ = std::min<int64_t>(chunk_rows_, req_->max_rows_per_chunk());
    }
    record_.bytes_in = 8 * keys_.size();
    if (!req_->has_min_clock()) return Next();
    const uint64_t id = svc_->state()->clocks().WaitForMinClock(
        req_->min_clock(), [this](absl::Status s, ClockSnapshot) {
          if (!s.ok()) return Fail(s);
          Next();
        });
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      waiter_ = id;
      cancel_now = cancelled_ && id != 0;
    }
    if (cancel_now) svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, "Pull"));
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Fail(absl::CancelledError("Pull: the stream broke"));
    Next();
  }
  void OnCancel() override {
    uint64_t id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = waiter_;
    }
    if (id != 0) svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, "Pull"));
  }
  void OnDone() override { delete this; }

 private:
  void Fail(const absl::Status& status) {
    if (record_.Finish(status)) Finish(ToWire(status));
  }
  void Next() {
    const size_t n = std::min<size_t>(keys_.size() - pos_, chunk_rows_);
    resp_.Clear();
    v1::RowBlock* block = resp_.mutable_block();
    block->mutable_keys()->Add(keys_.begin() + pos_, keys_.begin() + pos_ + n);
    block->mutable_rows()->set_dim(dim_);
    auto* values = block->mutable_rows()->mutable_values();
    values->Resize(static_cast<int>(n * dim_), 0.0f);
    uint64_t version = 0;
    absl::Status status = svc_->state()->ReadRows(
        req_->table(), keys_.subspan(pos_, n), req_->require_existing(),
        values->mutable_data(), &version);
    if (!status.ok()) return Fail(status);
    pos_ += n;
    resp_.set_clock(svc_->state()->clocks().Snapshot().min_clock);
    resp_.set_table_version(version);
    const bool last = pos_ == keys_.size();
    resp_.set_last(last);
    record_.bytes_out += 8 * n + 4 * n * dim_;
    if (!last) return StartWrite(&resp_);
    if (record_.Finish(absl::OkStatus())) {
      StartWriteAndFinish(&resp_, grpc::WriteOptions(), grpc::Status::OK);
    }
  }

  ServiceImpl* svc_;
  CallbackServerContext* ctx_;
  const v1::PullRequest* req_;
  CallRecord record_;
  absl::Span<const uint64_t> keys_;
  size_t pos_ = 0;
  int dim_ = 0;
  int64_t chunk_rows_ = 1;
  v1::PullResponse resp_;
  absl::Mutex mu_;
  uint64_t waiter_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerWriteReactor<v1::PullResponse>* ServiceImpl::Pull(
    CallbackServerContext* ctx, const v1::PullRequest* req) {
  auto* reactor = new PullReactor(this, ctx, req);
  reactor->Start();
  return reactor;
}

// ---------------------------------------------------------------------------
// Push

class PushReactor final : public grpc::ServerReadReactor<v1::PushRequest> {
 public:
  PushReactor(ServiceImpl* svc, CallbackServerContext* ctx,
              v1::PushResponse* resp)
      : svc_(svc), ctx_(ctx), resp_(resp), record_(svc, "Push") {
    if (svc_->shutting_down()) {
      Fail(ShuttingDown("Push"));
    } else {
      StartRead(&req_);
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return Commit();
    absl::Status status = Take();
    if (!status.ok()) return Fail(status);
    StartRead(&req_);
  }
  void OnDone() override { delete this; }

 private:
  absl::Status WrongOrder(absl::string_view what) {
    ErrorDetail detail;
    detail.reason = v1::ERROR_REASON_WRONG_STREAM_ORDER;
    detail.field = "header";
    return PsError(absl::StatusCode::kFailedPrecondition, detail,
                   absl::StrCat("Push: ", what));
  }

  absl::Status Take() {
    if (pending_ == nullptr) {
      if (!req_.has_header()) {
        return WrongOrder("the first message of the stream has no header");
      }
      const v1::PushHeader& h = req_.header();
      if (h.table().empty()) return MissingField("header.table", "Push");
      PushHeaderInfo header;
      header.table = h.table();
      header.op = static_cast<PushOp>(h.op());
      header.optimizer.kind =
          static_cast<OptimizerConfig::Kind>(h.optimizer().kind());
      header.optimizer.learning_rate = h.optimizer().learning_rate();
      header.optimizer.l2 = h.optimizer().l2();
      header.optimizer.epsilon = h.optimizer().epsilon();
      header.optimizer.initial_accumulator =
          h.optimizer().initial_accumulator();
      header.worker_id = h.worker_id();
      header.request_id = h.request_id();
      header.clock = h.clock();
      absl::StatusOr<std::unique_ptr<PendingPush>> pending =
          svc_->state()->BeginPush(header);
      if (!pending.ok()) return pending.status();
      pending_ = *std::move(pending);
    } else if (req_.has_header()) {
      return WrongOrder("a header arrived after the first message");
    }
    if (!req_.has_block()) return absl::OkStatus();
    const v1::RowBlock& b = req_.block();
    record_.bytes_in += 8 * b.keys_size() + 4 * b.rows().values_size();
    return pending_->AddChunk(
        absl::MakeConstSpan(b.keys().data(), b.keys_size()),
        static_cast<int>(std::min<uint32_t>(b.rows().dim(), 1u << 20)),
        absl::MakeConstSpan(b.rows().values().data(), b.rows().values_size()));
  }

  void Commit() {
    if (ctx_->IsCancelled()) {
      return Fail(absl::CancelledError(
          "Push: the stream broke before it was complete; nothing applied"));
    }
    if (pending_ == nullptr) {
      return Fail(WrongOrder("the stream ended without a header"));
    }
    absl::StatusOr<PushResult> result = svc_->state()->CommitPush(*pending_);
    if (!result.ok()) return Fail(result.status());
    resp_->set_rows_applied(result->rows_applied);
    resp_->set_rows_created(result->rows_created);
    resp_->set_already_applied(result->already_applied);
    resp_->set_table_version(result->table_version);
    if (svc_->TakeInjectedPushFailure()) {
      return Fail(absl::UnavailableError(
          "Push: injected failure after the push was applied (test hook)"));
    }
    Fail(absl::OkStatus());
  }

  void Fail(const absl::Status& status) {
    if (record_.Finish(status)) Finish(ToWire(status));
  }

  ServiceImpl* svc_;
  CallbackServerContext* ctx_;
  v1::PushResponse* resp_;
  CallRecord record_;
  v1::PushRequest req_;
  std::unique_ptr<PendingPush> pending_;
};

grpc::ServerReadReactor<v1::PushRequest>* ServiceImpl::Push(
    CallbackServerContext* ctx, v1::PushResponse* resp) {
  return new PushReactor(this, ctx, resp);
}

// ---------------------------------------------------------------------------
// GramPartial

class GramReactor final
    : public grpc::ServerWriteReactor<v1::GramPartialResponse> {
 public:
  GramReactor(ServiceImpl* svc, CallbackServerContext* ctx,
              const v1::GramPartialRequest* req)
      : svc_(svc), ctx_(ctx), req_(req), record_(svc, "GramPartial") {}

  void Start() {
    const std::string context =
        absl::StrCat("GramPartial of table '", req_->table(), "'");
    absl::Status status;
    if (svc_->shutting_down()) {
      status = ShuttingDown("GramPartial");
    } else if (req_->table().empty()) {
      status = MissingField("table", "GramPartial");
    } else if (req_->layout() != v1::GRAM_LAYOUT_UNSPECIFIED &&
               req_->layout() != v1::GRAM_LAYOUT_FULL &&
               req_->layout() != v1::GRAM_LAYOUT_UPPER_TRIANGLE) {
      status = absl::InvalidArgumentError(
          absl::StrCat(context, ": unknown layout ", req_->layout()));
    }
    upper_ = req_->layout() == v1::GRAM_LAYOUT_UPPER_TRIANGLE;
    if (status.ok() && req_->has_key_range()) {
      selection_.kind = GramSelection::Kind::kKeyRange;
      selection_.begin = req_->key_range().begin();
      selection_.end = req_->key_range().end();
      if (selection_.end != 0 && selection_.begin > selection_.end) {
        status = absl::InvalidArgumentError(
            absl::StrCat(context, ": key_range begin ", selection_.begin,
                         " > end ", selection_.end));
      }
    } else if (status.ok() && req_->has_keys()) {
      selection_.kind = GramSelection::Kind::kKeys;
      selection_.keys = absl::MakeConstSpan(req_->keys().keys().data(),
                                            req_->keys().keys_size());
      status = CheckRequestKeyCount(selection_.keys.size(), context);
      if (status.ok()) {
        status = CheckKeysAscending(selection_.keys, std::nullopt, context,
                                    "keys.keys", 0);
      }
      record_.bytes_in = 8 * selection_.keys.size();
    }
    if (!status.ok()) return Fail(status);
    if (!req_->has_min_clock()) return Compute();
    const uint64_t id = svc_->state()->clocks().WaitForMinClock(
        req_->min_clock(), [this](absl::Status s, ClockSnapshot) {
          if (!s.ok()) return Fail(s);
          Compute();
        });
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      waiter_ = id;
      cancel_now = cancelled_ && id != 0;
    }
    if (cancel_now) {
      svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, "GramPartial"));
    }
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return Fail(absl::CancelledError("GramPartial: the stream broke"));
    Next();
  }
  void OnCancel() override {
    uint64_t id;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      id = waiter_;
    }
    if (id != 0) {
      svc_->state()->clocks().Cancel(id, WaitEnded(ctx_, "GramPartial"));
    }
  }
  void OnDone() override { delete this; }

 private:
  void Fail(const absl::Status& status) {
    if (record_.Finish(status)) Finish(ToWire(status));
  }
  void Compute() {
    absl::StatusOr<GramResult> gram =
        svc_->state()->Gram(req_->table(), selection_);
    if (!gram.ok()) return Fail(gram.status());
    gram_ = *std::move(gram);
    clock_ = svc_->state()->clocks().Snapshot().min_clock;
    Next();
  }
  // Length of matrix row i in the chosen layout.
  size_t RowLength(int i) const { return upper_ ? gram_.dim - i : gram_.dim; }
  void Next() {
    const int dim = gram_.dim;
    resp_.Clear();
    resp_.set_dim(dim);
    resp_.set_layout(upper_ ? v1::GRAM_LAYOUT_UPPER_TRIANGLE
                            : v1::GRAM_LAYOUT_FULL);
    resp_.set_clock(clock_);
    size_t budget = kMaxChunkDoubles;
    if (row_ == 0) {
      resp_.set_rows_summed(gram_.rows_summed);
      if (req_->include_row_sum()) {
        resp_.mutable_row_sum()->Add(gram_.row_sum.begin(),
                                     gram_.row_sum.end());
        budget -= dim;
      }
    }
    resp_.set_row_begin(row_);
    // Whole matrix rows; a single row always fits (dim <= 4096).
    int end = row_;
    size_t used = 0;
    while (end < dim && (end == row_ || used + RowLength(end) <= budget)) {
      used += RowLength(end);
      ++end;
    }
    for (int i = row_; i < end; ++i) {
      const double* r = gram_.full.data() + static_cast<size_t>(i) * dim;
      resp_.mutable_values()->Add(r + (upper_ ? i : 0), r + dim);
    }
    resp_.set_row_end(end);
    row_ = end;
    const bool last = row_ >= dim;
    resp_.set_last(last);
    record_.bytes_out += 8 * (used + resp_.row_sum_size());
    if (!last) return StartWrite(&resp_);
    if (record_.Finish(absl::OkStatus())) {
      StartWriteAndFinish(&resp_, grpc::WriteOptions(), grpc::Status::OK);
    }
  }

  ServiceImpl* svc_;
  CallbackServerContext* ctx_;
  const v1::GramPartialRequest* req_;
  CallRecord record_;
  GramSelection selection_;
  bool upper_ = false;
  GramResult gram_;
  int64_t clock_ = 0;
  int row_ = 0;
  v1::GramPartialResponse resp_;
  absl::Mutex mu_;
  uint64_t waiter_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

grpc::ServerWriteReactor<v1::GramPartialResponse>* ServiceImpl::GramPartial(
    CallbackServerContext* ctx, const v1::GramPartialRequest* req) {
  auto* reactor = new GramReactor(this, ctx, req);
  reactor->Start();
  return reactor;
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
