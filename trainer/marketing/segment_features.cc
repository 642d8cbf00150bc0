#include "trainer/marketing/segment_features.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {

std::vector<double> SegmentFeatures::ToOriginalUnits(
    const float* standardized) const {
  std::vector<double> out(dim);
  for (int j = 0; j < dim; ++j) {
    const double v = standardized[j] * stddev[j] + mean[j];
    out[j] = log_scaled[j] ? std::expm1(v) : v;
  }
  return out;
}

absl::StatusOr<SegmentFeatures> BuildSegmentFeatures(
    const UserProfiles& p, const FactorTable* user_factors) {
  SegmentFeatures f;
  std::vector<const std::vector<double>*> doubles;
  std::vector<const std::vector<int64_t>*> ints;
  auto add_name = [&](const char* name) {
    f.names.push_back(name);
    f.log_scaled.push_back(true);
  };
  if (p.has_timestamps) add_name("recency_days");
  if (p.has_timestamps) add_name("tenure_days");
  add_name("frequency");
  add_name("events");
  add_name("distinct_items");
  if (p.has_monetary) add_name("monetary");
  const int base = static_cast<int>(f.names.size());
  const int factors = user_factors != nullptr ? user_factors->dim() : 0;
  for (int j = 0; j < factors; ++j) {
    f.names.push_back(absl::StrCat("factor_", j));
    f.log_scaled.push_back(false);
  }
  f.dim = base + factors;
  for (int64_t u = 0; u < p.size(); ++u) {
    if (p.events[u] > 0) f.users.push_back(u);
  }
  if (f.users.empty()) {
    return absl::InvalidArgumentError(
        "no user has events, so there is nothing to segment");
  }
  const int64_t n = static_cast<int64_t>(f.users.size());
  std::vector<double> raw(n * f.dim, 0.0);
  auto lg = [](double x) { return std::log1p(std::max(0.0, x)); };
  for (int64_t r = 0; r < n; ++r) {
    const int64_t u = f.users[r];
    double* row = raw.data() + r * f.dim;
    int j = 0;
    if (p.has_timestamps) {
      row[j++] = lg(p.recency_days[u]);
      row[j++] = lg(p.tenure_days[u]);
    }
    row[j++] = lg(static_cast<double>(p.frequency[u]));
    row[j++] = lg(static_cast<double>(p.events[u]));
    row[j++] = lg(static_cast<double>(p.distinct_items[u]));
    if (p.has_monetary) row[j++] = lg(p.monetary[u]);
    if (factors > 0) {
      const int64_t fr = user_factors->FindRow(p.keys[u]);
      if (fr >= 0) {
        for (int k = 0; k < factors; ++k) row[j + k] = user_factors->Row(fr)[k];
      }
    }
  }
  f.mean.assign(f.dim, 0.0);
  f.stddev.assign(f.dim, 0.0);
  for (int j = 0; j < f.dim; ++j) {
    double m = 0, m2 = 0;
    for (int64_t r = 0; r < n; ++r) m += raw[r * f.dim + j];
    m /= n;
    for (int64_t r = 0; r < n; ++r) {
      m2 += (raw[r * f.dim + j] - m) * (raw[r * f.dim + j] - m);
    }
    f.mean[j] = m;
    f.stddev[j] = std::sqrt(m2 / n);
  }
  f.values.resize(n * f.dim);
  for (int64_t r = 0; r < n; ++r) {
    for (int j = 0; j < f.dim; ++j) {
      const double sd = f.stddev[j];
      f.values[r * f.dim + j] = static_cast<float>(
          sd > 0 ? (raw[r * f.dim + j] - f.mean[j]) / sd : 0.0);
    }
  }
  return f;
}

}  // namespace tailor
