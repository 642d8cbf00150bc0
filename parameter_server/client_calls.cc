#include "parameter_server/client_calls.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "parameter_server/ps_types.h"

namespace tailor {
namespace ps_internal {
namespace {

// Reads a Pull stream and scatters its rows into the caller's buffer.
class PullCall final : public grpc::ClientReadReactor<v1::PullResponse> {
 public:
  PullCall(const v1::PullRequest* req, const size_t* positions, float* out,
           int dim, Done done)
      : req_(req),
        positions_(positions),
        out_(out),
        dim_(dim),
        done_(std::move(done)) {}
  void Start(Stub* stub, grpc::ClientContext* ctx) {
    ctx_ = ctx;
    stub->async()->Pull(ctx, req_, this);
    StartRead(&resp_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const v1::RowBlock& b = resp_.block();
    const size_t n = b.keys_size();
    if (b.rows().dim() != static_cast<uint32_t>(dim_) ||
        b.rows().values_size() != static_cast<int>(n * dim_)) {
      return Abort(grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat("the table's dim is ", b.rows().dim(),
                                " but the output buffer holds rows of ", dim_,
                                " floats"));
    }
    if (received_ + n > static_cast<size_t>(req_->keys().keys_size())) {
      return Abort(grpc::StatusCode::INTERNAL,
                   "more rows arrived than keys were requested");
    }
    const float* values = b.rows().values().data();
    for (size_t j = 0; j < n; ++j) {
      if (b.keys(j) != req_->keys().keys(received_ + j)) {
        return Abort(grpc::StatusCode::INTERNAL,
                     "rows arrived for keys other than the ones requested");
      }
      std::memcpy(out_ + positions_[received_ + j] * dim_, values + j * dim_,
                  sizeof(float) * dim_);
    }
    received_ += n;
    StartRead(&resp_);
  }
  void OnDone(const grpc::Status& status) override {
    grpc::Status s = status;
    if (!error_.empty()) {
      s = grpc::Status(error_code_, error_);
    } else if (s.ok() &&
               received_ != static_cast<size_t>(req_->keys().keys_size())) {
      s = grpc::Status(grpc::StatusCode::INTERNAL,
                       absl::StrCat("the stream ended after ", received_,
                                    " of ", req_->keys().keys_size(), " rows"));
    }
    Done done = std::move(done_);
    delete this;
    done(s);
  }

 private:
  void Abort(grpc::StatusCode code, std::string error) {
    error_code_ = code;
    error_ = std::move(error);
    ctx_->TryCancel();
  }
  const v1::PullRequest* req_;
  const size_t* positions_;
  float* out_;
  int dim_;
  Done done_;
  grpc::ClientContext* ctx_ = nullptr;
  v1::PullResponse resp_;
  size_t received_ = 0;
  grpc::StatusCode error_code_ = grpc::StatusCode::INTERNAL;
  std::string error_;
};

// Streams one Push request: the header, then chunks gathered from the
// caller's rows.
class PushCall final : public grpc::ClientWriteReactor<v1::PushRequest> {
 public:
  PushCall(const v1::PushHeader* header, const uint64_t* keys,
           const size_t* positions, size_t count, const float* rows, int dim,
           v1::PushResponse* resp, Done done)
      : header_(header),
        keys_(keys),
        positions_(positions),
        count_(count),
        rows_(rows),
        dim_(dim),
        resp_(resp),
        done_(std::move(done)) {}
  void Start(Stub* stub, grpc::ClientContext* ctx) {
    stub->async()->Push(ctx, resp_, this);
    NextWrite();
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (ok) NextWrite();
  }
  void OnDone(const grpc::Status& status) override {
    Done done = std::move(done_);
    delete this;
    done(status);
  }

 private:
  void NextWrite() {
    if (sent_header_ && pos_ == count_) {
      StartWritesDone();
      return;
    }
    msg_.Clear();
    if (!sent_header_) {
      *msg_.mutable_header() = *header_;
      sent_header_ = true;
    }
    const size_t n = std::min<size_t>(count_ - pos_, MaxRowsPerChunk(dim_));
    v1::RowBlock* block = msg_.mutable_block();
    block->mutable_keys()->Resize(static_cast<int>(n), 0);
    block->mutable_rows()->set_dim(dim_);
    auto* values = block->mutable_rows()->mutable_values();
    values->Resize(static_cast<int>(n * dim_), 0.0f);
    uint64_t* k = block->mutable_keys()->mutable_data();
    float* v = values->mutable_data();
    for (size_t j = 0; j < n; ++j) {
      k[j] = keys_[pos_ + j];
      std::memcpy(v + j * dim_, rows_ + positions_[pos_ + j] * dim_,
                  sizeof(float) * dim_);
    }
    pos_ += n;
    StartWrite(&msg_);
  }
  const v1::PushHeader* header_;
  const uint64_t* keys_;
  const size_t* positions_;
  size_t count_;
  const float* rows_;
  int dim_;
  v1::PushResponse* resp_;
  Done done_;
  v1::PushRequest msg_;
  bool sent_header_ = false;
  size_t pos_ = 0;
};

// Collects a GramPartial stream into a full dim x dim matrix.
class GramCall final : public grpc::ClientReadReactor<v1::GramPartialResponse> {
 public:
  GramCall(const v1::GramPartialRequest* req, GramSum* out, Done done)
      : req_(req), out_(out), done_(std::move(done)) {}
  void Start(Stub* stub, grpc::ClientContext* ctx) {
    *out_ = GramSum();
    stub->async()->GramPartial(ctx, req_, this);
    StartRead(&resp_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const int dim = static_cast<int>(resp_.dim());
    if (out_->gram.empty()) {
      out_->dim = dim;
      out_->gram.assign(static_cast<size_t>(dim) * dim, 0.0);
      out_->rows_summed = static_cast<int64_t>(resp_.rows_summed());
    }
    if (resp_.row_sum_size() > 0) {
      out_->row_sum.assign(resp_.row_sum().begin(), resp_.row_sum().end());
    }
    const bool upper = resp_.layout() == v1::GRAM_LAYOUT_UPPER_TRIANGLE;
    size_t v = 0;
    for (uint32_t i = resp_.row_begin();
         i < resp_.row_end() && static_cast<int>(i) < dim; ++i) {
      for (int j = upper ? static_cast<int>(i) : 0; j < dim; ++j) {
        if (v >= static_cast<size_t>(resp_.values_size())) break;
        const double x = resp_.values(static_cast<int>(v++));
        out_->gram[static_cast<size_t>(i) * dim + j] = x;
        if (upper) out_->gram[static_cast<size_t>(j) * dim + i] = x;
      }
    }
    StartRead(&resp_);
  }
  void OnDone(const grpc::Status& status) override {
    Done done = std::move(done_);
    delete this;
    done(status);
  }

 private:
  const v1::GramPartialRequest* req_;
  GramSum* out_;
  Done done_;
  v1::GramPartialResponse resp_;
};

}  // namespace

void StartPull(Stub* stub, grpc::ClientContext* ctx, const v1::PullRequest* req,
               const size_t* positions, float* out, int dim, Done done) {
  (new PullCall(req, positions, out, dim, std::move(done)))->Start(stub, ctx);
}

void StartPush(Stub* stub, grpc::ClientContext* ctx,
               const v1::PushHeader* header, const uint64_t* keys,
               const size_t* positions, size_t count, const float* rows,
               int dim, v1::PushResponse* resp, Done done) {
  (new PushCall(header, keys, positions, count, rows, dim, resp,
                std::move(done)))
      ->Start(stub, ctx);
}

void StartGram(Stub* stub, grpc::ClientContext* ctx,
               const v1::GramPartialRequest* req, GramSum* out, Done done) {
  (new GramCall(req, out, std::move(done)))->Start(stub, ctx);
}

}  // namespace ps_internal
}  // namespace tailor
