#include "core/metrics/metric_registry.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tailor::metrics {
namespace {

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void WriteHeader(const std::string& name, const std::string& help,
                 const std::string& type, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", EscapeHelp(help), "\n", "# TYPE ",
                  name, " ", type, "\n");
}

}  // namespace

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || absl::StartsWith(name, "__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

void WriteSample(const std::string& name,
                 const std::vector<std::string>& label_names,
                 const std::vector<std::string>& label_values,
                 const std::string& extra_label, double value,
                 std::string* out) {
  out->append(name);
  if (!label_names.empty() || !extra_label.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, label_names[i], "=\"",
                      EscapeLabelValue(label_values[i]), "\"");
    }
    if (!extra_label.empty()) {
      if (!label_names.empty()) out->push_back(',');
      out->append(extra_label);
    }
    out->push_back('}');
  }
  absl::StrAppend(out, " ", FormatSampleValue(value), "\n");
}

template <>
void MetricFamily<Counter>::Write(std::string* out) const {
  WriteHeader(name_, help_, type_, out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, counter] : series_) {
    WriteSample(name_, label_names_, values, "", counter->value(), out);
  }
}

template <>
void MetricFamily<Gauge>::Write(std::string* out) const {
  WriteHeader(name_, help_, type_, out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, gauge] : series_) {
    WriteSample(name_, label_names_, values, "", gauge->value(), out);
  }
}

template <>
void MetricFamily<Histogram>::Write(std::string* out) const {
  WriteHeader(name_, help_, type_, out);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, histogram] : series_) {
    const Histogram::Snapshot s = histogram->Read();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s.counts.size(); ++i) {
      cumulative += s.counts[i];
      const std::string le =
          i < s.bounds.size() ? FormatSampleValue(s.bounds[i]) : "+Inf";
      WriteSample(name_ + "_bucket", label_names_, values,
                  absl::StrCat("le=\"", le, "\""),
                  static_cast<double>(cumulative), out);
    }
    WriteSample(name_ + "_sum", label_names_, values, "", s.sum, out);
    WriteSample(name_ + "_count", label_names_, values, "",
                static_cast<double>(s.count), out);
  }
}

void MetricRegistry::Register(const std::string& name,
                              const std::vector<std::string>& labels,
                              std::unique_ptr<FamilyWriter> family) {
  ABSL_RAW_CHECK(IsValidMetricName(name), "invalid metric name");
  for (const std::string& label : labels) {
    ABSL_RAW_CHECK(IsValidLabelName(label), "invalid label name");
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& existing : names_) {
    ABSL_RAW_CHECK(existing != name, "metric family registered twice");
  }
  names_.push_back(name);
  families_.push_back(std::move(family));
}

MetricFamily<Counter>* MetricRegistry::AddCounter(
    const std::string& name, const std::string& help,
    std::vector<std::string> label_names) {
  auto family = std::make_unique<MetricFamily<Counter>>(
      name, help, "counter", label_names,
      [] { return std::make_unique<Counter>(); });
  MetricFamily<Counter>* raw = family.get();
  Register(name, label_names, std::move(family));
  return raw;
}

MetricFamily<Gauge>* MetricRegistry::AddGauge(
    const std::string& name, const std::string& help,
    std::vector<std::string> label_names) {
  auto family = std::make_unique<MetricFamily<Gauge>>(
      name, help, "gauge", label_names,
      [] { return std::make_unique<Gauge>(); });
  MetricFamily<Gauge>* raw = family.get();
  Register(name, label_names, std::move(family));
  return raw;
}

MetricFamily<Histogram>* MetricRegistry::AddHistogram(
    const std::string& name, const std::string& help,
    std::vector<std::string> label_names, std::vector<double> bounds) {
  for (const std::string& label : label_names) {
    ABSL_RAW_CHECK(label != "le", "'le' is reserved in histograms");
  }
  // Validates the bounds once, here, rather than at the first series.
  Histogram check(bounds);
  auto family = std::make_unique<MetricFamily<Histogram>>(
      name, help, "histogram", label_names,
      [bounds] { return std::make_unique<Histogram>(bounds); });
  MetricFamily<Histogram>* raw = family.get();
  Register(name, label_names, std::move(family));
  return raw;
}

void MetricRegistry::AddScrapeHook(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  hooks_.push_back(std::move(hook));
}

std::string MetricRegistry::TextExposition() const {
  std::vector<std::function<void()>> hooks;
  {
    absl::MutexLock lock(&mu_);
    hooks = hooks_;
  }
  for (const auto& hook : hooks) hook();
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& family : families_) family->Write(&out);
  return out;
}

}  // namespace tailor::metrics
