#ifndef TAILOR_PARAMETER_SERVER_SERVER_STATS_H_
#define TAILOR_PARAMETER_SERVER_SERVER_STATS_H_

// Request counters, payload bytes and latency summaries per RPC method of a
// shard (GetStats). Latency percentiles are over the last kWindow calls of
// each method. Thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tailor {

class ServerStats {
 public:
  static constexpr size_t kWindow = 4096;

  struct Latency {
    uint64_t count = 0;
    double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  };
  struct Method {
    uint64_t requests = 0;
    uint64_t errors = 0;
    Latency latency;
  };
  struct Snapshot {
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    std::map<std::string, Method> methods;
  };

  // One finished call of `method`. Payload bytes count 8 per key, 4 per
  // float and 8 per double of the request and response.
  void Record(absl::string_view method, absl::Duration latency, bool ok,
              uint64_t bytes_in, uint64_t bytes_out);
  // Counters and summaries; with `reset` they start over afterwards.
  Snapshot Get(bool reset);

 private:
  struct Counters {
    uint64_t requests = 0;
    uint64_t errors = 0;
    double sum_us = 0;
    std::vector<double> window_us;  // ring of the last kWindow latencies
    size_t next = 0;
  };
  absl::Mutex mu_;
  uint64_t bytes_in_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t bytes_out_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Counters, std::less<>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_SERVER_STATS_H_
