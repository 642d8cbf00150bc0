// The streaming RPCs of the shard service (Pull, Push, GramPartial) as
// callback-API reactors; see parameter_server_service.h.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "parameter_server/ps_error.h"
#include "parameter_server/request_checks.h"
#include "parameter_server/service_internal.h"

namespace tailor {
namespace ps_internal {
namespace {

using grpc::CallbackServerContext;

class PullReactor final : public grpc::ServerWriteReactor<v1::PullResponse> {
 public:
  PullReactor(ServiceContext* svc, CallbackServerContext* ctx,
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

  ServiceContext* svc_;
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

class PushReactor final : public grpc::ServerReadReactor<v1::PushRequest> {
 public:
  PushReactor(ServiceContext* svc, CallbackServerContext* ctx,
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

  ServiceContext* svc_;
  CallbackServerContext* ctx_;
  v1::PushResponse* resp_;
  CallRecord record_;
  v1::PushRequest req_;
  std::unique_ptr<PendingPush> pending_;
};

class GramReactor final
    : public grpc::ServerWriteReactor<v1::GramPartialResponse> {
 public:
  GramReactor(ServiceContext* svc, CallbackServerContext* ctx,
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

  ServiceContext* svc_;
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

}  // namespace

grpc::ServerWriteReactor<v1::PullResponse>* NewPullReactor(
    ServiceContext* svc, CallbackServerContext* ctx,
    const v1::PullRequest* req) {
  auto* reactor = new PullReactor(svc, ctx, req);
  reactor->Start();
  return reactor;
}

grpc::ServerReadReactor<v1::PushRequest>* NewPushReactor(
    ServiceContext* svc, CallbackServerContext* ctx, v1::PushResponse* resp) {
  return new PushReactor(svc, ctx, resp);
}

grpc::ServerWriteReactor<v1::GramPartialResponse>* NewGramReactor(
    ServiceContext* svc, CallbackServerContext* ctx,
    const v1::GramPartialRequest* req) {
  auto* reactor = new GramReactor(svc, ctx, req);
  reactor->Start();
  return reactor;
}

}  // namespace ps_internal
}  // namespace tailor
