#ifndef TAILOR_TRAINER_MARKETING_RFM_H_
#define TAILOR_TRAINER_MARKETING_RFM_H_

// Recency / frequency / monetary quintile scores and the classic RFM segment
// names (docs/marketing.md has the rule table). Pure functions; thread-safe.

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

// Quintile scores 1..5 of `values`, 0 where `values` is NaN (not scored).
// Values are ranked ascending (descending when !higher_is_better, so the
// best value always scores 5); a value's score is 1 + floor(5 * r / n) where
// r is the 0-based rank of the FIRST occurrence of that value among the n
// scored values, so equal values always get equal scores.
std::vector<uint8_t> QuintileScores(absl::Span<const double> values,
                                    bool higher_is_better);

// RFM segments, decided by the R and F scores (M is reported, not used).
enum class RfmSegment : uint8_t {
  kUnscored = 0,  // no events, or no timestamps (no recency)
  kChampions,
  kLoyal,
  kPotentialLoyalists,
  kNewCustomers,
  kPromising,
  kNeedAttention,
  kAboutToSleep,
  kCannotLoseThem,
  kAtRisk,
  kHibernating,
  kLost,
};
inline constexpr int kRfmSegmentCount = 12;

// "Champions", "Loyal", ..., "Unscored".
absl::string_view RfmSegmentName(RfmSegment segment);

// First matching rule of the table in docs/marketing.md; kUnscored when r or
// f is 0.
RfmSegment ClassifyRfm(uint8_t r, uint8_t f);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_RFM_H_
