#ifndef TAILOR_RANKER_SCORING_EXCLUSION_SET_H_
#define TAILOR_RANKER_SCORING_EXCLUSION_SET_H_

// A bitset over the item indices of an ItemScorer: the items a top-k scan
// must never return (business filters, items already seen). The scan reads
// it one byte per 8 items, so filtering costs nothing extra per item.
// Plain value type; not synchronized (build it, then share it read-only).

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tailor::ranker {

class ExclusionSet {
 public:
  // An empty set over indices [0, num_items).
  explicit ExclusionSet(int64_t num_items);

  // Marks `index` excluded. CHECK-fails when index is outside
  // [0, num_items) (a programmer error: callers map keys to indices first).
  void Add(int64_t index);
  void AddAll(absl::Span<const int32_t> indices);
  void Remove(int64_t index);
  void Clear();

  bool Contains(int64_t index) const {
    return (bytes_[index >> 3] >> (index & 7)) & 1;
  }
  int64_t num_items() const { return num_items_; }
  // Number of excluded indices.
  int64_t size() const { return size_; }

  // Bit i of byte i / 8 is index i; sized to whole 8-item groups plus
  // slack, bits past num_items are zero.
  const uint8_t* bytes() const { return bytes_.data(); }

 private:
  int64_t num_items_;
  int64_t size_ = 0;
  std::vector<uint8_t> bytes_;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SCORING_EXCLUSION_SET_H_
