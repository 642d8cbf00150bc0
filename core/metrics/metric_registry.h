#ifndef TAILOR_CORE_METRICS_METRIC_REGISTRY_H_
#define TAILOR_CORE_METRICS_METRIC_REGISTRY_H_

// A registry of named metric families written out in the Prometheus text
// exposition format (version 0.0.4), for the metrics endpoints of the
// ranker, parameter server and coordinator (docs/ranker_server.md).
//
//   MetricRegistry registry;
//   auto* requests = registry.AddCounter("tailor_requests_total",
//                                        "Requests served.", {"code"});
//   requests->WithLabels({"OK"})->Increment();
//   std::string text = registry.TextExposition();
//
// Families are registered once at start-up; a bad or duplicate name is a
// programmer error (CHECK). The registry owns every family and series:
// pointers stay valid for its lifetime. Thread-safe.

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/metrics/metric.h"

namespace tailor::metrics {

// Writes one family's samples; implemented by MetricFamily<T>.
class FamilyWriter {
 public:
  virtual ~FamilyWriter() = default;
  virtual void Write(std::string* out) const = 0;
};

// All series of one metric name, keyed by label values. Thread-safe.
template <typename T>
class MetricFamily final : public FamilyWriter {
 public:
  MetricFamily(std::string name, std::string help, std::string type,
               std::vector<std::string> label_names,
               std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(std::move(type)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  // The series with these label values (one per label name, in order),
  // created at zero on first use. A wrong number of values is a programmer
  // error (CHECK).
  T* WithLabels(const std::vector<std::string>& values);
  T* WithLabels(std::initializer_list<absl::string_view> values) {
    return WithLabels(std::vector<std::string>(values.begin(), values.end()));
  }
  // The only series of a family without labels.
  T* Get() { return WithLabels(std::vector<std::string>{}); }
  // Drops every series (for gauges rebuilt at each scrape).
  void Clear();

  void Write(std::string* out) const override;

 private:
  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_
      ABSL_GUARDED_BY(mu_);
};

class MetricRegistry {
 public:
  MetricFamily<Counter>* AddCounter(const std::string& name,
                                    const std::string& help,
                                    std::vector<std::string> label_names = {});
  MetricFamily<Gauge>* AddGauge(const std::string& name,
                                const std::string& help,
                                std::vector<std::string> label_names = {});
  // `bounds`: strictly increasing finite upper bounds (see metric.h).
  MetricFamily<Histogram>* AddHistogram(const std::string& name,
                                        const std::string& help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds);

  // `hook` runs at the start of every TextExposition (e.g. to refresh
  // gauges from the state they report). Hooks must not call
  // TextExposition.
  void AddScrapeHook(std::function<void()> hook);

  // Every family in registration order, in the text exposition format.
  std::string TextExposition() const;

 private:
  void Register(const std::string& name, const std::vector<std::string>& labels,
                std::unique_ptr<FamilyWriter> family);

  mutable absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<FamilyWriter>> families_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(mu_);
};

// Text-format helpers, exposed for tests.
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);
std::string EscapeLabelValue(absl::string_view value);
std::string FormatSampleValue(double value);

// Writes `name{labels} value\n`; `extra_label` (e.g. le="0.5") is appended
// when not empty.
void WriteSample(const std::string& name,
                 const std::vector<std::string>& label_names,
                 const std::vector<std::string>& label_values,
                 const std::string& extra_label, double value,
                 std::string* out);

template <typename T>
T* MetricFamily<T>::WithLabels(const std::vector<std::string>& values) {
  ABSL_RAW_CHECK(values.size() == label_names_.size(),
                 "wrong number of label values for a metric family");
  absl::MutexLock lock(&mu_);
  std::unique_ptr<T>& slot = series_[values];
  if (slot == nullptr) slot = make_();
  return slot.get();
}

template <typename T>
void MetricFamily<T>::Clear() {
  absl::MutexLock lock(&mu_);
  series_.clear();
}

}  // namespace tailor::metrics

#endif  // TAILOR_CORE_METRICS_METRIC_REGISTRY_H_
