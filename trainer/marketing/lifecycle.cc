#include "trainer/marketing/lifecycle.h"

#include <algorithm>
#include <vector>

namespace tailor {

absl::string_view LifecycleStageName(LifecycleStage stage) {
  switch (stage) {
    case LifecycleStage::kNone:
      return "none";
    case LifecycleStage::kUnknown:
      return "unknown";
    case LifecycleStage::kNew:
      return "new";
    case LifecycleStage::kActive:
      return "active";
    case LifecycleStage::kLoyal:
      return "loyal";
    case LifecycleStage::kAtRisk:
      return "at_risk";
    case LifecycleStage::kChurned:
      return "churned";
  }
  return "invalid";
}

int64_t LoyalFrequencyThreshold(absl::Span<const int64_t> frequency,
                                double quantile) {
  std::vector<int64_t> positive;
  for (int64_t f : frequency) {
    if (f > 0) positive.push_back(f);
  }
  if (positive.empty()) return 2;
  std::sort(positive.begin(), positive.end());
  const double q = std::clamp(quantile, 0.0, 1.0);
  size_t rank = static_cast<size_t>(q * static_cast<double>(positive.size()));
  rank = std::min(rank, positive.size() - 1);
  return std::max<int64_t>(2, positive[rank]);
}

LifecycleStage ClassifyLifecycle(bool has_timestamps, int64_t events,
                                 double recency_days, double tenure_days,
                                 int64_t frequency, int64_t loyal_threshold,
                                 const LifecycleOptions& options) {
  if (events <= 0) return LifecycleStage::kNone;
  if (!has_timestamps) return LifecycleStage::kUnknown;
  if (recency_days > options.churned_days) return LifecycleStage::kChurned;
  if (recency_days > options.at_risk_days) return LifecycleStage::kAtRisk;
  if (tenure_days <= options.new_days) return LifecycleStage::kNew;
  if (frequency >= loyal_threshold) return LifecycleStage::kLoyal;
  return LifecycleStage::kActive;
}

}  // namespace tailor
