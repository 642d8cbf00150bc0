#include "parameter_server/server_stats.h"

#include <algorithm>

namespace tailor {
namespace {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(q * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

void ServerStats::Record(absl::string_view method, absl::Duration latency,
                         bool ok, uint64_t bytes_in, uint64_t bytes_out) {
  const double us = absl::ToDoubleMicroseconds(latency);
  absl::MutexLock lock(&mu_);
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
  auto it = methods_.find(method);
  if (it == methods_.end()) {
    it = methods_.emplace(std::string(method), Counters()).first;
  }
  Counters& c = it->second;
  ++c.requests;
  if (!ok) ++c.errors;
  c.sum_us += us;
  if (c.window_us.size() < kWindow) {
    c.window_us.push_back(us);
  } else {
    c.window_us[c.next] = us;
    c.next = (c.next + 1) % kWindow;
  }
}

ServerStats::Snapshot ServerStats::Get(bool reset) {
  Snapshot s;
  absl::MutexLock lock(&mu_);
  s.bytes_in = bytes_in_;
  s.bytes_out = bytes_out_;
  for (const auto& [name, c] : methods_) {
    Method& m = s.methods[name];
    m.requests = c.requests;
    m.errors = c.errors;
    m.latency.count = c.requests;
    if (c.requests > 0) m.latency.mean_us = c.sum_us / c.requests;
    std::vector<double> sorted = c.window_us;
    std::sort(sorted.begin(), sorted.end());
    m.latency.p50_us = Percentile(sorted, 0.50);
    m.latency.p90_us = Percentile(sorted, 0.90);
    m.latency.p99_us = Percentile(sorted, 0.99);
    m.latency.max_us = sorted.empty() ? 0 : sorted.back();
  }
  if (reset) {
    bytes_in_ = bytes_out_ = 0;
    methods_.clear();
  }
  return s;
}

}  // namespace tailor
