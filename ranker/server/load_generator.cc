#include "ranker/server/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

// What every finished call adds to the report. Thread-safe.
class Recorder {
 public:
  // Calls scheduled `since_start` in [before_from, event_at) or
  // [event_at, window_end) are also summarized apart (no event: all zero).
  void SetEvent(absl::Duration event_at, absl::Duration window) {
    absl::MutexLock lock(&mu_);
    has_event_ = true;
    event_at_ = event_at;
    window_ = window;
  }

  void Record(const RankRequest& request, const grpc::Status& status,
              const RankResponse& response, double latency_ms,
              absl::Duration since_start) {
    absl::MutexLock lock(&mu_);
    latencies_ms_.push_back(latency_ms);
    if (has_event_) {
      if (since_start >= event_at_ - window_ && since_start < event_at_) {
        before_ms_.push_back(latency_ms);
        if (!status.ok()) ++report_.failed_before_event;
      } else if (since_start >= event_at_ &&
                 since_start < event_at_ + window_) {
        window_ms_.push_back(latency_ms);
        if (!status.ok()) ++report_.failed_in_event_window;
      }
    }
    if (status.ok()) {
      ++report_.ok;
      ok_latencies_ms_.push_back(latency_ms);
      if (response.cold_start()) ++report_.cold_start;
      if (response.items_size() == 0) ++report_.empty_results;
      ++report_.ok_by_version[response.model_version()];
    } else {
      ++report_.errors_by_code[absl::StatusCodeToString(
          static_cast<absl::StatusCode>(status.error_code()))];
    }
    --in_flight_;
  }

  // Counts a call about to be sent; false when `max_in_flight` are pending.
  bool Admit(const RankRequest& request, int64_t max_in_flight) {
    absl::MutexLock lock(&mu_);
    if (in_flight_ >= max_in_flight) {
      ++report_.skipped;
      return false;
    }
    ++in_flight_;
    ++report_.sent;
    ++report_.sent_by_kind[RequestKind(request)];
    return true;
  }

  void AwaitIdle() {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return in_flight_ == 0;
    };
    mu_.Await(absl::Condition(&idle));
  }

  LoadReport Finish(absl::Duration elapsed) {
    absl::MutexLock lock(&mu_);
    LoadReport report = report_;
    report.elapsed = elapsed;
    const double seconds = std::max(absl::ToDoubleSeconds(elapsed), 1e-9);
    report.qps = static_cast<double>(latencies_ms_.size()) / seconds;
    report.ok_qps = static_cast<double>(report.ok) / seconds;
    report.latency = Summarize(latencies_ms_);
    report.latency_ok = Summarize(ok_latencies_ms_);
    report.has_event = has_event_;
    report.latency_before_event = Summarize(before_ms_);
    report.latency_event_window = Summarize(window_ms_);
    return report;
  }

 private:
  absl::Mutex mu_;
  LoadReport report_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  std::vector<double> ok_latencies_ms_ ABSL_GUARDED_BY(mu_);
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool has_event_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration event_at_ ABSL_GUARDED_BY(mu_);
  absl::Duration window_ ABSL_GUARDED_BY(mu_);
  std::vector<double> before_ms_ ABSL_GUARDED_BY(mu_);
  std::vector<double> window_ms_ ABSL_GUARDED_BY(mu_);
};

// One call in flight; deletes itself when done.
struct Call {
  grpc::ClientContext context;
  RankRequest request;
  RankResponse response;
  absl::Time scheduled;
};

class Runner : public std::enable_shared_from_this<Runner> {
 public:
  Runner(const LoadOptions& options,
         const std::vector<std::shared_ptr<grpc::Channel>>& channels)
      : options_(options), rng_(options.seed) {
    for (const auto& channel : channels) {
      stubs_.push_back(tailor::v1::Ranker::NewStub(channel));
    }
  }

  LoadReport Run() {
    start_ = absl::Now();
    end_ = options_.duration > absl::ZeroDuration() ? start_ + options_.duration
                                                    : absl::InfiniteFuture();
    std::thread event;
    if (options_.event) {
      recorder_.SetEvent(options_.event_at, options_.event_window);
      event = std::thread([this] {
        const absl::Time at = start_ + options_.event_at;
        if (at > absl::Now()) absl::SleepFor(at - absl::Now());
        options_.event();
      });
    }
    if (options_.mode == LoadOptions::Mode::kOpenLoop) {
      RunOpenLoop();
    } else {
      for (int i = 0; i < options_.concurrency; ++i) StartNext(absl::Now());
    }
    recorder_.AwaitIdle();
    if (event.joinable()) event.join();
    return recorder_.Finish(absl::Now() - start_);
  }

 private:
  // Takes the next request index, or -1 when the run is over.
  int64_t NextIndex(absl::Time now) {
    if (now >= end_) return -1;
    const int64_t index = next_index_.fetch_add(1);
    if (options_.max_requests > 0 && index >= options_.max_requests) return -1;
    return index;
  }

  void RunOpenLoop() {
    const absl::Duration interval =
        absl::Seconds(1) / std::max(options_.rate_per_s, 1e-6);
    for (int64_t i = 0;; ++i) {
      const absl::Time scheduled = start_ + interval * i;
      const absl::Time now = absl::Now();
      if (scheduled > now) absl::SleepFor(scheduled - now);
      if (NextIndex(scheduled) < 0) return;
      Send(scheduled, /*chain=*/false);
    }
  }

  void StartNext(absl::Time now) {
    if (NextIndex(now) < 0) return;
    Send(now, /*chain=*/true);
  }

  void Send(absl::Time scheduled, bool chain) {
    auto* call = new Call();
    {
      absl::MutexLock lock(&rng_mu_);
      call->request = MakeRequest(options_.mix, sent_++, rng_);
    }
    if (!recorder_.Admit(call->request,
                         chain ? INT64_MAX : options_.max_in_flight)) {
      delete call;
      return;
    }
    call->scheduled = scheduled;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoNanoseconds(options_.timeout));
    tailor::v1::Ranker::Stub* stub =
        stubs_[static_cast<size_t>(next_stub_.fetch_add(1)) % stubs_.size()]
            .get();
    stub->async()->Rank(
        &call->context, &call->request, &call->response,
        [self = shared_from_this(), this, call, chain](grpc::Status status) {
          const absl::Time now = absl::Now();
          const double ms = absl::ToDoubleMilliseconds(now - call->scheduled);
          // Chain first, so in-flight never drops to zero
          // while a caller still has work.
          if (chain) StartNext(now);
          recorder_.Record(call->request, status, call->response, ms,
                           call->scheduled - start_);
          delete call;
        });
  }

  const LoadOptions options_;
  std::vector<std::unique_ptr<tailor::v1::Ranker::Stub>> stubs_;
  absl::Mutex rng_mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(rng_mu_);
  int64_t sent_ ABSL_GUARDED_BY(rng_mu_) = 0;
  std::atomic<int64_t> next_index_{0};
  std::atomic<uint64_t> next_stub_{0};
  absl::Time start_;
  absl::Time end_;
  Recorder recorder_;
};

}  // namespace

absl::Status ValidateMix(const RequestMix& mix) {
  if (mix.model_name.empty()) {
    return absl::InvalidArgumentError("the model name is required");
  }
  const double weights[] = {mix.known_weight, mix.folded_weight,
                            mix.anonymous_weight};
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) {
      return absl::InvalidArgumentError(
          "user mix weights must be finite and >= 0");
    }
    total += w;
  }
  if (total <= 0) {
    return absl::InvalidArgumentError("the user mix weights sum to 0");
  }
  if (mix.known_weight > 0 && mix.known_user_ids.empty()) {
    return absl::InvalidArgumentError(
        "known users are in the mix but no known user ids were given");
  }
  if (mix.folded_weight > 0 &&
      (mix.item_ids.empty() || mix.recent_interactions < 1)) {
    return absl::InvalidArgumentError(
        "folded-in users are in the mix but no item ids (or no recent "
        "interactions per request) were given");
  }
  if (mix.count < 1 || mix.count > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("count ", mix.count, " is outside 1..1000"));
  }
  return absl::OkStatus();
}

RankRequest MakeRequest(const RequestMix& mix, int64_t index,
                        std::mt19937_64& rng) {
  RankRequest request;
  request.set_model_name(mix.model_name);
  request.set_count(mix.count);
  request.set_explain(mix.explain);
  request.set_diversity(mix.diversity);
  request.set_request_id(absl::StrCat("loadgen-", index));
  if (!mix.countries.empty()) {
    std::uniform_int_distribution<size_t> pick(0, mix.countries.size() - 1);
    request.mutable_context()->set_country(mix.countries[pick(rng)]);
  }
  std::uniform_real_distribution<double> u(
      0, mix.known_weight + mix.folded_weight + mix.anonymous_weight);
  const double r = u(rng);
  if (r < mix.known_weight && !mix.known_user_ids.empty()) {
    std::uniform_int_distribution<size_t> pick(0,
                                               mix.known_user_ids.size() - 1);
    request.set_user_id(mix.known_user_ids[pick(rng)]);
  } else if (r < mix.known_weight + mix.folded_weight &&
             !mix.item_ids.empty()) {
    request.set_user_id(absl::StrCat("loadgen-new-user-", index));
    std::uniform_int_distribution<size_t> pick(0, mix.item_ids.size() - 1);
    for (int i = 0; i < mix.recent_interactions; ++i) {
      tailor::v1::RecentInteraction* interaction =
          request.add_recent_interactions();
      interaction->set_item_id(mix.item_ids[pick(rng)]);
      interaction->set_weight(1.0f);
    }
  }
  // Otherwise anonymous: no user, only the context.
  return request;
}

std::string RequestKind(const RankRequest& request) {
  if (request.user_case() == RankRequest::USER_NOT_SET) return "anonymous";
  return request.recent_interactions_size() > 0 ? "folded_in" : "known";
}

LatencySummary Summarize(std::vector<double>& latencies_ms) {
  LatencySummary s;
  s.count = static_cast<int64_t>(latencies_ms.size());
  if (latencies_ms.empty()) return s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double sum = 0;
  for (double v : latencies_ms) sum += v;
  s.mean_ms = sum / static_cast<double>(s.count);
  auto at = [&](double q) {
    // Nearest rank: the smallest value with at least q of the data <= it.
    const int64_t rank =
        static_cast<int64_t>(std::ceil(q * static_cast<double>(s.count)));
    return latencies_ms[static_cast<size_t>(
        std::clamp<int64_t>(rank - 1, 0, s.count - 1))];
  };
  s.p50_ms = at(0.50);
  s.p90_ms = at(0.90);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  s.max_ms = latencies_ms.back();
  return s;
}

absl::StatusOr<LoadReport> RunLoad(
    const LoadOptions& options,
    const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  if (absl::Status mix = ValidateMix(options.mix); !mix.ok()) return mix;
  if (channels.empty()) {
    return absl::InvalidArgumentError("no channel to send load over");
  }
  if (options.duration <= absl::ZeroDuration() && options.max_requests <= 0) {
    return absl::InvalidArgumentError(
        "a duration or a request count must bound the run");
  }
  if (options.mode == LoadOptions::Mode::kOpenLoop &&
      !(options.rate_per_s > 0 && std::isfinite(options.rate_per_s))) {
    return absl::InvalidArgumentError("the open-loop rate must be > 0");
  }
  if (options.mode == LoadOptions::Mode::kClosedLoop &&
      options.concurrency < 1) {
    return absl::InvalidArgumentError("closed-loop concurrency must be >= 1");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the call timeout must be > 0");
  }
  if (options.event && (options.event_at < absl::ZeroDuration() ||
                        options.event_window <= absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        "the event time must be >= 0 and its window > 0");
  }
  // Shared with the calls' callbacks, so it outlives the last of them.
  auto runner = std::make_shared<Runner>(options, channels);
  return runner->Run();
}

}  // namespace tailor::ranker
