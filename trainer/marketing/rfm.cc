#include "trainer/marketing/rfm.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tailor {

std::vector<uint8_t> QuintileScores(absl::Span<const double> values,
                                    bool higher_is_better) {
  std::vector<uint8_t> scores(values.size(), 0);
  std::vector<size_t> order;
  order.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isnan(values[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return higher_is_better ? values[a] < values[b] : values[a] > values[b];
  });
  const double n = static_cast<double>(order.size());
  size_t first = 0;  // rank of the first occurrence of the current value
  for (size_t r = 0; r < order.size(); ++r) {
    if (r > 0 && values[order[r]] != values[order[r - 1]]) first = r;
    const int score = 1 + static_cast<int>(std::floor(5.0 * first / n));
    scores[order[r]] = static_cast<uint8_t>(std::min(score, 5));
  }
  return scores;
}

absl::string_view RfmSegmentName(RfmSegment segment) {
  switch (segment) {
    case RfmSegment::kUnscored:
      return "Unscored";
    case RfmSegment::kChampions:
      return "Champions";
    case RfmSegment::kLoyal:
      return "Loyal";
    case RfmSegment::kPotentialLoyalists:
      return "Potential loyalists";
    case RfmSegment::kNewCustomers:
      return "New customers";
    case RfmSegment::kPromising:
      return "Promising";
    case RfmSegment::kNeedAttention:
      return "Need attention";
    case RfmSegment::kAboutToSleep:
      return "About to sleep";
    case RfmSegment::kCannotLoseThem:
      return "Cannot lose them";
    case RfmSegment::kAtRisk:
      return "At risk";
    case RfmSegment::kHibernating:
      return "Hibernating";
    case RfmSegment::kLost:
      return "Lost";
  }
  return "Invalid";
}

RfmSegment ClassifyRfm(uint8_t r, uint8_t f) {
  if (r == 0 || f == 0) return RfmSegment::kUnscored;
  if (r >= 4 && f >= 4) return RfmSegment::kChampions;
  if (r == 3 && f >= 4) return RfmSegment::kLoyal;
  if (r >= 4 && f >= 2) return RfmSegment::kPotentialLoyalists;
  if (r == 5 && f == 1) return RfmSegment::kNewCustomers;
  if (r == 4 && f == 1) return RfmSegment::kPromising;
  if (r == 3 && f == 3) return RfmSegment::kNeedAttention;
  if (r == 3) return RfmSegment::kAboutToSleep;    // f <= 2
  if (f == 5) return RfmSegment::kCannotLoseThem;  // r <= 2
  if (f >= 3) return RfmSegment::kAtRisk;          // r <= 2
  if (r == 2) return RfmSegment::kHibernating;     // f <= 2
  return RfmSegment::kLost;                        // r == 1, f <= 2
}

}  // namespace tailor
