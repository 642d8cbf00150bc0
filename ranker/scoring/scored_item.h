#ifndef TAILOR_RANKER_SCORING_SCORED_ITEM_H_
#define TAILOR_RANKER_SCORING_SCORED_ITEM_H_

// A top-k result and the order every result list uses.

#include <cstdint>

namespace tailor::ranker {

// One result: row index in the ItemScorer and its score.
struct ScoredItem {
  int32_t index = 0;
  float score = 0;
};

// The result order everywhere: higher score first, ties by lower index.
inline bool ScoredItemBefore(const ScoredItem& a, const ScoredItem& b) {
  return a.score > b.score || (a.score == b.score && a.index < b.index);
}

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SCORING_SCORED_ITEM_H_
