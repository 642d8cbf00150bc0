#include "ranker/scoring/exclusion_set.h"

#include <algorithm>

#include "absl/base/internal/raw_logging.h"

namespace tailor::ranker {

ExclusionSet::ExclusionSet(int64_t num_items)
    : num_items_(std::max<int64_t>(num_items, 0)),
      bytes_((num_items_ + 7) / 8 + 8, 0) {}

void ExclusionSet::Add(int64_t index) {
  ABSL_RAW_CHECK(index >= 0 && index < num_items_,
                 "ExclusionSet::Add: index outside [0, num_items)");
  uint8_t& byte = bytes_[index >> 3];
  const uint8_t bit = uint8_t{1} << (index & 7);
  if ((byte & bit) == 0) ++size_;
  byte |= bit;
}

void ExclusionSet::AddAll(absl::Span<const int32_t> indices) {
  for (int32_t index : indices) Add(index);
}

void ExclusionSet::Remove(int64_t index) {
  ABSL_RAW_CHECK(index >= 0 && index < num_items_,
                 "ExclusionSet::Remove: index outside [0, num_items)");
  uint8_t& byte = bytes_[index >> 3];
  const uint8_t bit = uint8_t{1} << (index & 7);
  if ((byte & bit) != 0) --size_;
  byte &= static_cast<uint8_t>(~bit);
}

void ExclusionSet::Clear() {
  std::fill(bytes_.begin(), bytes_.end(), 0);
  size_ = 0;
}

}  // namespace tailor::ranker
