#ifndef TAILOR_CORE_DATASET_PARTITION_SORT_H_
#define TAILOR_CORE_DATASET_PARTITION_SORT_H_

// The sorting steps of building one partition of a dataset from spooled
// records (core/dataset/record_spool.h), whose `row` is the row within the
// partition and `col` the dense column: a stable LSD radix sort by row, the
// order within a row, and the choice of partition row ranges.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/dataset/record_spool.h"

namespace tailor {

// Row ranges of about `target` entries each: a new range starts after the
// row at which the running count reaches `target`. At least one range;
// bounds[p] is the first row of range p, bounds.back() == entries.size().
std::vector<uint64_t> ChooseBounds(absl::Span<const int64_t> entries,
                                   int64_t target);

// The range of `bounds` (as from ChooseBounds) that holds `row`.
inline size_t RangeOf(absl::Span<const uint64_t> bounds, uint64_t row) {
  size_t lo = 0, hi = bounds.size() - 2;  // answer in [lo, hi]
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (bounds[mid] <= row)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// Drains `spool` into *out sorted by row, stably (records of one row keep
// their spool order), with an LSD radix sort whose first pass reads the
// spool directly; `row_entries[r]` is the number of records of row r, so no
// pass counts digits. `scratch` is the second buffer (reuse both across calls
// to avoid faulting in fresh memory). DATA_LOSS when the records disagree
// with row_entries (a row out of range, or other counts).
absl::Status DrainSortedByRow(RecordSpool* spool,
                              absl::Span<const int64_t> row_entries,
                              RecordBuffer* out, RecordBuffer* scratch);

// Column, then timestamp, value and amount: the order of entries within a
// row of a dataset block (docs/formats/dataset.md).
inline bool EntryLess(const SpoolRecord& a, const SpoolRecord& b) {
  if (a.col != b.col) return a.col < b.col;
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.value != b.value) return a.value < b.value;
  return a.amount < b.amount;
}

// Sorts [begin, end) by EntryLess (insertion sort for short rows).
void SortRow(SpoolRecord* begin, SpoolRecord* end);

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_PARTITION_SORT_H_
