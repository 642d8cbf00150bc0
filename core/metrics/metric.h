#ifndef TAILOR_CORE_METRICS_METRIC_H_
#define TAILOR_CORE_METRICS_METRIC_H_

// The three metric kinds of the Prometheus data model: a monotonically
// increasing Counter, a Gauge that goes up and down, and a Histogram of
// observations over fixed upper bounds. Each is one time series (one set of
// label values); MetricRegistry groups them into named families. All are
// lock-free and thread-safe; values are doubles.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace tailor::metrics {

class Counter {
 public:
  // Adds `delta`; negative deltas are ignored (a counter never decreases).
  void Increment(double delta = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with inclusive upper bounds `bounds`
// (strictly increasing, finite) plus the implicit +Inf bucket.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);

  // NaN observations are dropped.
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    // Per-bucket counts (not cumulative); bounds.size() + 1 entries, the
    // last one for +Inf.
    std::vector<uint64_t> counts;
    uint64_t count = 0;
    double sum = 0.0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

// Upper bounds start, start*factor, ... (`count` of them); for latency
// buckets in seconds, e.g. ExponentialBounds(0.0001, 2, 16).
std::vector<double> ExponentialBounds(double start, double factor, int count);

}  // namespace tailor::metrics

#endif  // TAILOR_CORE_METRICS_METRIC_H_
