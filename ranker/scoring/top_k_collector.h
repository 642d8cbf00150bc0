#ifndef TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_
#define TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_

// Keeps the best `capacity` (index, score) pairs pushed, in ScoredItemBefore
// order (higher score, then lower index). Candidates go into a buffer of
// 2 x capacity; when it fills, nth_element keeps the best `capacity` and
// the worst of those becomes the bar a candidate must beat. Amortized O(1)
// per accepted candidate (a heap costs O(log capacity) with worse
// constants). The scan asks threshold() so that only lanes that can enter
// reach Push. Plain value type; not synchronized.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "ranker/scoring/scored_item.h"

namespace tailor::ranker::internal {

class TopKCollector {
 public:
  explicit TopKCollector(int capacity) { Reset(capacity); }

  void Reset(int capacity) {
    capacity_ = std::max(capacity, 0);
    buffer_.clear();
    buffer_.reserve(2 * static_cast<size_t>(capacity_));
    has_bar_ = false;
  }

  // True once a bar exists: only items before it (ScoredItemBefore) enter,
  // so scores below threshold() can be skipped. Before that every item
  // enters.
  bool full() const { return has_bar_ || capacity_ == 0; }
  // Score of the bar (meaningful when full(); +inf when capacity is 0).
  float threshold() const {
    return capacity_ == 0 ? std::numeric_limits<float>::infinity() : bar_.score;
  }

  void Push(int32_t index, float score) {
    if (capacity_ == 0) return;
    const ScoredItem item{index, score};
    if (has_bar_ && !ScoredItemBefore(item, bar_)) return;
    buffer_.push_back(item);
    if (buffer_.size() >= 2 * static_cast<size_t>(capacity_)) Compact();
  }

  // Moves the kept items, best first, into `out`; the collector is empty
  // afterwards (capacity unchanged).
  void TakeSorted(std::vector<ScoredItem>* out) {
    if (buffer_.size() > static_cast<size_t>(capacity_)) Compact();
    std::sort(buffer_.begin(), buffer_.end(), Before());
    out->swap(buffer_);
    buffer_.clear();
    has_bar_ = false;
  }

 private:
  struct Before {
    bool operator()(const ScoredItem& a, const ScoredItem& b) const {
      return ScoredItemBefore(a, b);
    }
  };

  void Compact() {
    std::nth_element(buffer_.begin(), buffer_.begin() + (capacity_ - 1),
                     buffer_.end(), Before());
    bar_ = buffer_[capacity_ - 1];
    buffer_.resize(capacity_);
    has_bar_ = true;
  }

  int capacity_ = 0;
  std::vector<ScoredItem> buffer_;
  bool has_bar_ = false;
  ScoredItem bar_;
};

}  // namespace tailor::ranker::internal

#endif  // TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_
