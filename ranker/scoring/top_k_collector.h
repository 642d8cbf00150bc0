#ifndef TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_
#define TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_

// Keeps the best `capacity` (index, score) pairs seen, in ScoredItemBefore
// order (higher score, then lower index), in a bounded heap whose root is
// the worst kept item. The scan asks threshold() so that only items that
// can enter reach Push. Plain value type; not synchronized.

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
    heap_.clear();
    heap_.reserve(capacity_);
  }

  // True once `capacity` items are kept; then an item enters only if it is
  // before the worst kept one.
  bool full() const { return static_cast<int>(heap_.size()) >= capacity_; }
  // Score of the worst kept item (meaningful when full()).
  float threshold() const {
    return heap_.empty() ? -std::numeric_limits<float>::infinity()
                         : heap_.front().score;
  }

  void Push(int32_t index, float score) {
    const ScoredItem item{index, score};
    if (!full()) {
      heap_.push_back(item);
      std::push_heap(heap_.begin(), heap_.end(), ScoredItemBefore);
    } else if (capacity_ > 0 && ScoredItemBefore(item, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), ScoredItemBefore);
      heap_.back() = item;
      std::push_heap(heap_.begin(), heap_.end(), ScoredItemBefore);
    }
  }

  int size() const { return static_cast<int>(heap_.size()); }

  // Moves the kept items, best first, into `out`; the collector is empty
  // afterwards.
  void TakeSorted(std::vector<ScoredItem>* out) {
    std::sort_heap(heap_.begin(), heap_.end(), ScoredItemBefore);
    out->swap(heap_);
    heap_.clear();
  }

 private:
  int capacity_ = 0;
  std::vector<ScoredItem> heap_;
};

}  // namespace tailor::ranker::internal

#endif  // TAILOR_RANKER_SCORING_TOP_K_COLLECTOR_H_
