#ifndef TAILOR_RANKER_SERVER_LOAD_GENERATOR_H_
#define TAILOR_RANKER_SERVER_LOAD_GENERATOR_H_

// Drives Rank load against a ranker and measures it (`tailor loadgen`,
// docs/ranker_server.md). Open loop: requests start at a fixed rate whatever
// the answers do, and latency counts from each request's scheduled start
// (so a stalled server is not hidden by a stalled client: no coordinated
// omission). Closed loop: C callers each start a request when their previous
// one finished. Both stop at a duration or a request count. The request mix
// picks, per request, a known user, a new user folded in from recent
// interactions, or an anonymous visitor with only a context.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

struct RequestMix {
  std::string model_name;
  // Relative weights of the three kinds of user (need not sum to 1).
  double known_weight = 0.6;
  double folded_weight = 0.3;
  double anonymous_weight = 0.1;
  // Users the model knows (required when known_weight > 0).
  std::vector<std::string> known_user_ids;
  // Catalogue items for recent interactions of folded-in users (required
  // when folded_weight > 0).
  std::vector<std::string> item_ids;
  int recent_interactions = 5;
  uint32_t count = 100;
  bool explain = false;
  float diversity = 0.0f;
  // Context countries drawn uniformly (none: no country).
  std::vector<std::string> countries = {"GB", "DE", "FR", "NL", "ES"};
};

// Checks the mix (weights, ids required by the weights).
absl::Status ValidateMix(const RequestMix& mix);

// Makes request number `index`; deterministic for a given seeded `rng`.
tailor::v1::RankRequest MakeRequest(const RequestMix& mix, int64_t index,
                                    std::mt19937_64& rng);

struct LoadOptions {
  enum class Mode { kOpenLoop, kClosedLoop };
  Mode mode = Mode::kClosedLoop;
  // Open loop: request starts per second.
  double rate_per_s = 1000;
  // Closed loop: concurrent callers.
  int concurrency = 8;
  // Stop after this long (zero: no time bound) ...
  absl::Duration duration = absl::Seconds(10);
  // ... or after this many requests (0: no count bound). One bound needed.
  int64_t max_requests = 0;
  // Per-call deadline.
  absl::Duration timeout = absl::Seconds(1);
  // Open loop: a scheduled request is skipped (counted, not sent) when this
  // many are already in flight.
  int64_t max_in_flight = 20000;
  uint64_t seed = 1;
  RequestMix mix;
  // Optional event in the middle of the run (e.g. publishing a new model
  // version): `event` runs on its own thread at start + event_at; the report
  // then compares the calls scheduled in [event_at, event_at + event_window)
  // with those scheduled in the same length of time just before event_at.
  std::function<void()> event;
  absl::Duration event_at = absl::ZeroDuration();
  absl::Duration event_window = absl::Seconds(5);
};

struct LatencySummary {
  int64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0,
         max_ms = 0;
};

// Nearest-rank percentiles of `latencies_ms` (sorted in place).
LatencySummary Summarize(std::vector<double>& latencies_ms);

struct LoadReport {
  int64_t sent = 0;
  int64_t ok = 0;
  // Open loop: scheduled but not sent because max_in_flight were pending.
  int64_t skipped = 0;
  // Failed calls by gRPC status code name.
  std::map<std::string, int64_t> errors_by_code;
  // Sent requests by kind: "known", "folded_in", "anonymous".
  std::map<std::string, int64_t> sent_by_kind;
  // OK answers flagged cold_start, and OK answers with no items.
  int64_t cold_start = 0;
  int64_t empty_results = 0;
  // OK answers by model version that served them.
  std::map<int64_t, int64_t> ok_by_version;
  absl::Duration elapsed;
  double qps = 0;             // finished calls per second
  double ok_qps = 0;          // OK calls per second
  LatencySummary latency;     // every finished call
  LatencySummary latency_ok;  // OK calls only
  // With LoadOptions::event: every call scheduled in the window before the
  // event and in the window from it, and the failed calls of each.
  bool has_event = false;
  LatencySummary latency_before_event;
  LatencySummary latency_event_window;
  int64_t failed_before_event = 0;
  int64_t failed_in_event_window = 0;
};

// Runs the load over `channels` (calls spread round-robin). INVALID_ARGUMENT
// for bad options; call failures are counted, not returned.
absl::StatusOr<LoadReport> RunLoad(
    const LoadOptions& options,
    const std::vector<std::shared_ptr<grpc::Channel>>& channels);

// "known" / "folded_in" / "anonymous" for a request MakeRequest built.
std::string RequestKind(const tailor::v1::RankRequest& request);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_LOAD_GENERATOR_H_
