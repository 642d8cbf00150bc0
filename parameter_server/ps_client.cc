#include "parameter_server/ps_client.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "core/grpc_status.h"
#include "core/shard_router.h"
#include "core/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "parameter_server/client_calls.h"
#include "parameter_server/ps_error.h"
#include "tailor/v1/parameter_server.grpc.pb.h"

namespace tailor {
namespace {

using ps_internal::Done;
using ps_internal::Stub;

// One request to one shard; `start` issues an attempt with `ctx` and calls
// `done` exactly once when that attempt has completed.
struct Task {
  int shard = 0;
  std::function<void(grpc::ClientContext* ctx, Done done)> start;
};

bool IsRetryable(grpc::StatusCode code, bool waiting) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         (!waiting && code == grpc::StatusCode::DEADLINE_EXCEEDED);
}

// Keys routed to shards, remembering each key's position in the input.
struct Routed {
  std::vector<std::vector<uint64_t>> keys;
  std::vector<std::vector<size_t>> positions;
};

// A callable issuing the callback-API unary call `Rpc` on a stub.
#define TAILOR_PS_ASYNC(Rpc)                                            \
  [](Stub* stub, grpc::ClientContext* ctx, const auto* req, auto* resp, \
     Done done) { stub->async()->Rpc(ctx, req, resp, std::move(done)); }

class ClientImpl final : public PsClient {
 public:
  ClientImpl(const PsClientOptions& options, ShardRouter router)
      : options_(options), router_(router) {
    for (const std::string& address : options.shard_addresses) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(4 << 20);
      channels_.push_back(grpc::CreateCustomChannel(
          address,
          options.credentials != nullptr ? options.credentials
                                         : grpc::InsecureChannelCredentials(),
          args));
      stubs_.push_back(v1::ParameterServer::NewStub(channels_.back()));
    }
    uint64_t first = options.first_request_id;
    if (first == 0) {
      first = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) | 1;
    }
    next_request_id_.store(first);
  }

  int num_shards() const override { return router_.num_shards(); }

  absl::Status CreateTable(const TableSpec& spec) override;
  absl::Status Pull(const std::string& table, absl::Span<const uint64_t> keys,
                    absl::Span<float> out_rows,
                    const PullOptions& options) override;
  absl::StatusOr<PushSummary> Push(const std::string& table,
                                   absl::Span<const uint64_t> keys,
                                   absl::Span<const float> rows,
                                   const PushOptions& options) override;
  absl::StatusOr<GramSum> GramPartial(const std::string& table,
                                      const GramOptions& options) override;
  absl::StatusOr<ClockResult> Clock(uint32_t worker_index, uint32_t num_workers,
                                    int64_t clock, uint32_t staleness) override;
  absl::Status Barrier(const std::string& name, int64_t generation,
                       uint32_t worker_index, uint32_t participants) override;
  absl::StatusOr<std::vector<std::string>> Checkpoint(
      const std::string& directory, int64_t iteration) override;
  absl::StatusOr<int64_t> Restore(const std::string& directory,
                                  int64_t iteration) override;
  absl::StatusOr<std::vector<ShardStats>> Stats(bool reset) override;
  absl::Status Shutdown(const std::string& reason,
                        uint32_t grace_period_ms) override;

 private:
  // Runs every task in parallel; retries retryable failures with backoff.
  absl::Status Run(absl::string_view rpc, const std::vector<Task>& tasks,
                   bool waiting);
  absl::Status FromWire(const grpc::Status& g, absl::string_view rpc,
                        int shard) const;
  Routed Route(absl::Span<const uint64_t> keys) const;
  absl::Status CheckKeys(absl::string_view rpc, absl::string_view table,
                         absl::Span<const uint64_t> keys) const;
  // A unary call to every shard in `shards` (all when empty).
  template <typename Req, typename Resp, typename Method>
  absl::Status Unary(absl::string_view rpc, const Req& req,
                     std::vector<Resp>* resps, Method method, bool waiting);

  const PsClientOptions options_;
  const ShardRouter router_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<Stub>> stubs_;
  std::atomic<uint64_t> next_request_id_;
};

absl::Status ClientImpl::FromWire(const grpc::Status& g, absl::string_view rpc,
                                  int shard) const {
  const absl::Status s = FromGrpcStatus(g);
  if (s.ok()) return s;
  absl::Status out(s.code(), absl::StrCat(rpc, " on shard ", shard, " (",
                                          options_.shard_addresses[shard],
                                          "): ", s.message()));
  v1::RpcStatus details;
  v1::ErrorInfo info;
  if (!g.error_details().empty() &&
      details.ParseFromString(g.error_details()) &&
      details.details_size() > 0 && details.details(0).UnpackTo(&info)) {
    out.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  }
  return out;
}

absl::Status ClientImpl::Run(absl::string_view rpc,
                             const std::vector<Task>& tasks, bool waiting) {
  std::vector<size_t> pending(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) pending[i] = i;
  int64_t backoff_ms = options_.initial_backoff_ms;
  const int64_t timeout_ms =
      waiting ? options_.wait_timeout_ms : options_.timeout_ms;
  for (int attempt = 1; !pending.empty(); ++attempt) {
    std::vector<grpc::Status> results(pending.size());
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    absl::BlockingCounter counter(static_cast<int>(pending.size()));
    for (size_t i = 0; i < pending.size(); ++i) {
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      contexts.back()->set_deadline(std::chrono::system_clock::now() +
                                    std::chrono::milliseconds(timeout_ms));
      tasks[pending[i]].start(contexts.back().get(),
                              [&results, &counter, i](grpc::Status s) {
                                results[i] = std::move(s);
                                counter.DecrementCount();
                              });
    }
    counter.Wait();
    std::vector<size_t> retry;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (results[i].ok()) continue;
      const Task& task = tasks[pending[i]];
      if (IsRetryable(results[i].error_code(), waiting) &&
          attempt < options_.max_attempts) {
        retry.push_back(pending[i]);
        continue;
      }
      absl::Status error = FromWire(results[i], rpc, task.shard);
      if (attempt > 1) {
        absl::Status annotated(
            error.code(),
            absl::StrCat(error.message(), " (after ", attempt, " attempts)"));
        CopyErrorInfo(error, &annotated);
        return annotated;
      }
      return error;
    }
    pending = std::move(retry);
    if (!pending.empty()) {
      absl::SleepFor(absl::Milliseconds(backoff_ms));
      backoff_ms = std::min(2 * backoff_ms, options_.max_backoff_ms);
    }
  }
  return absl::OkStatus();
}

Routed ClientImpl::Route(absl::Span<const uint64_t> keys) const {
  Routed r;
  const int n = router_.num_shards();
  r.keys.resize(n);
  r.positions.resize(n);
  for (auto& v : r.keys) v.reserve(keys.size() / n + 16);
  for (auto& v : r.positions) v.reserve(keys.size() / n + 16);
  for (size_t i = 0; i < keys.size(); ++i) {
    const int s = router_.ShardOf(keys[i]);
    r.keys[s].push_back(keys[i]);
    r.positions[s].push_back(i);
  }
  return r;
}

absl::Status ClientImpl::CheckKeys(absl::string_view rpc,
                                   absl::string_view table,
                                   absl::Span<const uint64_t> keys) const {
  for (size_t i = 1; i < keys.size(); ++i) {
    if (!(keys[i - 1] < keys[i])) {
      ErrorDetail detail;
      detail.reason = keys[i - 1] == keys[i] ? v1::ERROR_REASON_DUPLICATE_KEYS
                                             : v1::ERROR_REASON_UNSORTED_KEYS;
      detail.subject = std::string(table);
      detail.field = "keys";
      detail.index = static_cast<int64_t>(i);
      detail.key = keys[i];
      return PsError(
          absl::StatusCode::kInvalidArgument, detail,
          absl::StrCat(rpc, " table '", table,
                       "': keys not strictly ascending at index ", i, " (key ",
                       keys[i], " after ", keys[i - 1], ")"));
    }
  }
  return absl::OkStatus();
}

template <typename Req, typename Resp, typename Method>
absl::Status ClientImpl::Unary(absl::string_view rpc, const Req& req,
                               std::vector<Resp>* resps, Method method,
                               bool waiting) {
  resps->assign(stubs_.size(), Resp());
  std::vector<Task> tasks;
  for (size_t s = 0; s < stubs_.size(); ++s) {
    Stub* stub = stubs_[s].get();
    Resp* resp = &(*resps)[s];
    tasks.push_back(
        {static_cast<int>(s),
         [stub, &req, resp, method](grpc::ClientContext* ctx, Done done) {
           resp->Clear();
           method(stub, ctx, &req, resp, std::move(done));
         }});
  }
  return Run(rpc, tasks, waiting);
}

absl::Status ClientImpl::CreateTable(const TableSpec& spec) {
  TAILOR_RETURN_IF_ERROR(ValidateTableSpec(spec));
  v1::CreateTableRequest req;
  req.set_name(spec.name);
  req.set_dim(spec.dim);
  v1::Initializer* init = req.mutable_init();
  init->set_kind(static_cast<v1::Initializer::Kind>(spec.init.kind));
  init->set_seed(spec.init.seed);
  init->set_mean(spec.init.mean);
  init->set_stddev(spec.init.stddev);
  init->set_low(spec.init.low);
  init->set_high(spec.init.high);
  std::vector<v1::CreateTableResponse> resps;
  return Unary("CreateTable", req, &resps, TAILOR_PS_ASYNC(CreateTable), false);
}

absl::Status ClientImpl::Pull(const std::string& table,
                              absl::Span<const uint64_t> keys,
                              absl::Span<float> out_rows,
                              const PullOptions& options) {
  if (keys.empty()) return absl::OkStatus();
  TAILOR_RETURN_IF_ERROR(CheckKeys("Pull from", table, keys));
  if (out_rows.size() % keys.size() != 0 || out_rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Pull from table '", table, "': output buffer of ", out_rows.size(),
        " floats is not a whole number of rows for ", keys.size(), " keys"));
  }
  const int dim = static_cast<int>(out_rows.size() / keys.size());
  const Routed routed = Route(keys);
  // One request per shard and slice of at most kMaxRequestKeys keys.
  std::vector<std::unique_ptr<v1::PullRequest>> requests;
  std::vector<Task> tasks;
  for (int s = 0; s < num_shards(); ++s) {
    const std::vector<uint64_t>& shard_keys = routed.keys[s];
    for (size_t begin = 0; begin < shard_keys.size();
         begin += kMaxRequestKeys) {
      const size_t end =
          std::min<size_t>(shard_keys.size(), begin + kMaxRequestKeys);
      auto req = std::make_unique<v1::PullRequest>();
      req->set_table(table);
      req->mutable_keys()->mutable_keys()->Add(shard_keys.begin() + begin,
                                               shard_keys.begin() + end);
      if (options.min_clock.has_value()) req->set_min_clock(*options.min_clock);
      req->set_require_existing(options.require_existing);
      const v1::PullRequest* r = req.get();
      const size_t* positions = routed.positions[s].data() + begin;
      Stub* stub = stubs_[s].get();
      float* out = out_rows.data();
      tasks.push_back({s, [=](grpc::ClientContext* ctx, Done done) {
                         ps_internal::StartPull(stub, ctx, r, positions, out,
                                                dim, std::move(done));
                       }});
      requests.push_back(std::move(req));
    }
  }
  return Run("Pull", tasks, options.min_clock.has_value());
}

absl::StatusOr<PushSummary> ClientImpl::Push(const std::string& table,
                                             absl::Span<const uint64_t> keys,
                                             absl::Span<const float> rows,
                                             const PushOptions& options) {
  if (options_.worker_id == 0) {
    return absl::FailedPreconditionError(
        "Push: PsClientOptions.worker_id is 0; a pushing client needs its "
        "worker id");
  }
  PushSummary summary;
  if (keys.empty()) return summary;
  TAILOR_RETURN_IF_ERROR(CheckKeys("Push to", table, keys));
  if (rows.size() % keys.size() != 0 || rows.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Push to table '", table, "': ", rows.size(),
        " floats are not a whole number of rows for ", keys.size(), " keys"));
  }
  const int dim = static_cast<int>(rows.size() / keys.size());
  const Routed routed = Route(keys);
  const size_t rows_per_request = static_cast<size_t>(
      std::max<int64_t>(1, options_.max_push_bytes / (8 + 4 * int64_t{dim})));
  struct Request {
    v1::PushHeader header;
    v1::PushResponse response;
  };
  std::vector<std::unique_ptr<Request>> requests;
  std::vector<Task> tasks;
  for (int s = 0; s < num_shards(); ++s) {
    const std::vector<uint64_t>& shard_keys = routed.keys[s];
    for (size_t begin = 0; begin < shard_keys.size();
         begin += rows_per_request) {
      const size_t count =
          std::min(shard_keys.size() - begin, rows_per_request);
      auto req = std::make_unique<Request>();
      v1::PushHeader& h = req->header;
      h.set_table(table);
      h.set_op(static_cast<v1::PushOp>(options.op));
      if (options.op == PushOp::kOptimizerStep) {
        v1::OptimizerConfig* o = h.mutable_optimizer();
        o->set_kind(
            static_cast<v1::OptimizerConfig::Kind>(options.optimizer.kind));
        o->set_learning_rate(options.optimizer.learning_rate);
        o->set_l2(options.optimizer.l2);
        o->set_epsilon(options.optimizer.epsilon);
        o->set_initial_accumulator(options.optimizer.initial_accumulator);
      }
      h.set_worker_id(options_.worker_id);
      // Fixed before the first attempt, so every retry reuses it.
      h.set_request_id(next_request_id_.fetch_add(1));
      h.set_clock(options.clock);
      Request* r = req.get();
      const uint64_t* k = shard_keys.data() + begin;
      const size_t* positions = routed.positions[s].data() + begin;
      Stub* stub = stubs_[s].get();
      const float* data = rows.data();
      tasks.push_back({s, [=](grpc::ClientContext* ctx, Done done) {
                         r->response.Clear();
                         ps_internal::StartPush(stub, ctx, &r->header, k,
                                                positions, count, data, dim,
                                                &r->response, std::move(done));
                       }});
      requests.push_back(std::move(req));
    }
  }
  TAILOR_RETURN_IF_ERROR(Run("Push", tasks, false));
  for (const auto& r : requests) {
    summary.rows_applied += static_cast<int64_t>(r->response.rows_applied());
    summary.rows_created += static_cast<int64_t>(r->response.rows_created());
    ++summary.requests;
    if (r->response.already_applied()) ++summary.requests_already_applied;
  }
  return summary;
}

absl::StatusOr<GramSum> ClientImpl::GramPartial(const std::string& table,
                                                const GramOptions& options) {
  std::vector<std::unique_ptr<v1::GramPartialRequest>> requests;
  std::vector<int> shard_of;
  auto base = [&]() {
    auto req = std::make_unique<v1::GramPartialRequest>();
    req->set_table(table);
    req->set_layout(v1::GRAM_LAYOUT_UPPER_TRIANGLE);
    if (options.min_clock.has_value()) req->set_min_clock(*options.min_clock);
    req->set_include_row_sum(options.include_row_sum);
    return req;
  };
  if (options.keys.has_value()) {
    TAILOR_RETURN_IF_ERROR(CheckKeys("GramPartial of", table, *options.keys));
    const Routed routed = Route(*options.keys);
    for (int s = 0; s < num_shards(); ++s) {
      const std::vector<uint64_t>& k = routed.keys[s];
      for (size_t begin = 0; begin < k.size(); begin += kMaxRequestKeys) {
        const size_t end = std::min<size_t>(k.size(), begin + kMaxRequestKeys);
        auto req = base();
        req->mutable_keys()->mutable_keys()->Add(k.begin() + begin,
                                                 k.begin() + end);
        requests.push_back(std::move(req));
        shard_of.push_back(s);
      }
    }
  } else {
    for (int s = 0; s < num_shards(); ++s) {
      auto req = base();
      if (options.key_range.has_value()) {
        req->mutable_key_range()->set_begin(options.key_range->first);
        req->mutable_key_range()->set_end(options.key_range->second);
      }
      requests.push_back(std::move(req));
      shard_of.push_back(s);
    }
  }
  std::vector<GramSum> partials(requests.size());
  std::vector<Task> tasks;
  for (size_t i = 0; i < requests.size(); ++i) {
    const v1::GramPartialRequest* r = requests[i].get();
    GramSum* out = &partials[i];
    Stub* stub = stubs_[shard_of[i]].get();
    tasks.push_back({shard_of[i], [=](grpc::ClientContext* ctx, Done done) {
                       ps_internal::StartGram(stub, ctx, r, out,
                                              std::move(done));
                     }});
  }
  TAILOR_RETURN_IF_ERROR(
      Run("GramPartial", tasks, options.min_clock.has_value()));
  // Summed in shard (and request) order, so the result is deterministic.
  GramSum sum;
  for (const GramSum& p : partials) {
    if (p.dim == 0) continue;  // a shard with no keys of a key set
    if (sum.dim == 0) {
      sum.dim = p.dim;
      sum.gram.assign(p.gram.size(), 0.0);
      if (options.include_row_sum) sum.row_sum.assign(p.dim, 0.0);
    }
    if (p.dim != sum.dim) {
      return absl::InternalError(absl::StrCat("GramPartial of table '", table,
                                              "': shards disagree on dim (",
                                              sum.dim, " vs ", p.dim, ")"));
    }
    for (size_t i = 0; i < p.gram.size(); ++i) sum.gram[i] += p.gram[i];
    for (size_t i = 0; i < p.row_sum.size() && i < sum.row_sum.size(); ++i) {
      sum.row_sum[i] += p.row_sum[i];
    }
    sum.rows_summed += p.rows_summed;
  }
  return sum;
}

absl::StatusOr<ClockResult> ClientImpl::Clock(uint32_t worker_index,
                                              uint32_t num_workers,
                                              int64_t clock,
                                              uint32_t staleness) {
  v1::ClockRequest req;
  req.set_worker_index(worker_index);
  req.set_num_workers(num_workers);
  req.set_clock(clock);
  req.set_staleness(staleness);
  req.set_worker_id(options_.worker_id);
  std::vector<v1::ClockResponse> resps;
  TAILOR_RETURN_IF_ERROR(
      Unary("Clock", req, &resps, TAILOR_PS_ASYNC(Clock), true));
  ClockResult result;
  result.min_clock = resps[0].min_clock();
  result.max_clock = resps[0].max_clock();
  for (const auto& r : resps) {
    result.min_clock = std::min(result.min_clock, r.min_clock());
    result.max_clock = std::max(result.max_clock, r.max_clock());
  }
  return result;
}

absl::Status ClientImpl::Barrier(const std::string& name, int64_t generation,
                                 uint32_t worker_index, uint32_t participants) {
  v1::BarrierRequest req;
  req.set_name(name);
  req.set_generation(generation);
  req.set_worker_index(worker_index);
  req.set_participants(participants);
  v1::BarrierResponse resp;
  Stub* stub = stubs_[0].get();
  std::vector<Task> tasks = {{0, [&](grpc::ClientContext* ctx, Done done) {
                                resp.Clear();
                                stub->async()->Barrier(ctx, &req, &resp,
                                                       std::move(done));
                              }}};
  return Run("Barrier", tasks, true);
}

absl::StatusOr<std::vector<std::string>> ClientImpl::Checkpoint(
    const std::string& directory, int64_t iteration) {
  v1::CheckpointRequest req;
  req.set_directory(directory);
  req.set_iteration(iteration);
  std::vector<v1::CheckpointResponse> resps;
  TAILOR_RETURN_IF_ERROR(
      Unary("Checkpoint", req, &resps, TAILOR_PS_ASYNC(Checkpoint), false));
  std::vector<std::string> paths;
  for (const auto& r : resps) paths.push_back(r.path());
  return paths;
}

absl::StatusOr<int64_t> ClientImpl::Restore(const std::string& directory,
                                            int64_t iteration) {
  v1::RestoreRequest req;
  req.set_directory(directory);
  req.set_iteration(iteration);
  std::vector<v1::RestoreResponse> resps;
  TAILOR_RETURN_IF_ERROR(
      Unary("Restore", req, &resps, TAILOR_PS_ASYNC(Restore), false));
  for (size_t s = 1; s < resps.size(); ++s) {
    if (resps[s].iteration() != resps[0].iteration()) {
      return absl::FailedPreconditionError(
          absl::StrCat("Restore from '", directory,
                       "': shard 0 restored iteration ", resps[0].iteration(),
                       " but shard ", s, " restored ", resps[s].iteration()));
    }
  }
  return resps[0].iteration();
}

absl::StatusOr<std::vector<ShardStats>> ClientImpl::Stats(bool reset) {
  v1::GetStatsRequest req;
  req.set_reset(reset);
  std::vector<v1::GetStatsResponse> resps;
  TAILOR_RETURN_IF_ERROR(
      Unary("GetStats", req, &resps, TAILOR_PS_ASYNC(GetStats), false));
  std::vector<ShardStats> out;
  for (size_t s = 0; s < resps.size(); ++s) {
    const v1::GetStatsResponse& r = resps[s];
    ShardStats st;
    st.address = options_.shard_addresses[s];
    st.shard_index = r.shard_index();
    st.num_shards = r.num_shards();
    st.rows = r.rows();
    st.bytes_in = r.bytes_in();
    st.bytes_out = r.bytes_out();
    st.uptime_ms = r.uptime_ms();
    st.min_clock = r.min_clock();
    st.max_clock = r.max_clock();
    for (const v1::TableStats& t : r.tables()) {
      st.tables.push_back(
          {t.name(), t.dim(), t.rows(), t.bytes(), t.version()});
    }
    for (const auto& [name, m] : r.methods()) {
      const v1::LatencySummary& l = m.latency();
      st.methods[name] = {m.requests(), m.errors(), l.mean_us(), l.p50_us(),
                          l.p90_us(),   l.p99_us(), l.max_us()};
    }
    out.push_back(std::move(st));
  }
  return out;
}

absl::Status ClientImpl::Shutdown(const std::string& reason,
                                  uint32_t grace_period_ms) {
  v1::ShutdownRequest req;
  req.set_reason(reason);
  req.set_grace_period_ms(grace_period_ms);
  std::vector<v1::ShutdownResponse> resps;
  return Unary("Shutdown", req, &resps, TAILOR_PS_ASYNC(Shutdown), false);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PsClient>> PsClient::Create(
    const PsClientOptions& options) {
  if (options.shard_addresses.empty()) {
    return absl::InvalidArgumentError("PsClient: no shard addresses given");
  }
  for (size_t s = 0; s < options.shard_addresses.size(); ++s) {
    if (options.shard_addresses[s].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("PsClient: shard ", s, " has an empty address"));
    }
  }
  if (options.max_attempts < 1 || options.timeout_ms <= 0 ||
      options.wait_timeout_ms <= 0 || options.initial_backoff_ms < 0 ||
      options.max_backoff_ms < options.initial_backoff_ms ||
      options.max_push_bytes <= 0) {
    return absl::InvalidArgumentError(
        "PsClient: max_attempts >= 1, positive timeouts and push size, and "
        "0 <= initial_backoff_ms <= max_backoff_ms are required");
  }
  TAILOR_ASSIGN_OR_RETURN(
      ShardRouter router,
      ShardRouter::Create(static_cast<int>(options.shard_addresses.size())));
  return std::unique_ptr<PsClient>(new ClientImpl(options, router));
}

}  // namespace tailor
