#include "core/dataset/partition_sort.h"

#include <algorithm>

namespace tailor {

std::vector<uint64_t> ChooseBounds(absl::Span<const int64_t> entries,
                                   int64_t target) {
  std::vector<uint64_t> bounds = {0};
  int64_t acc = 0;
  for (size_t r = 0; r < entries.size(); ++r) {
    acc += entries[r];
    if (acc >= target && r + 1 < entries.size()) {
      bounds.push_back(r + 1);
      acc = 0;
    }
  }
  bounds.push_back(entries.size());
  return bounds;
}

void SortByRow(std::vector<SpoolRecord>* records, uint64_t rows,
               std::vector<SpoolRecord>* scratch) {
  const size_t n = records->size();
  if (rows <= 1 || n <= 1) return;
  // Digits of at most 11 bits: the 2048 write cursors of a pass stay in
  // cache, unlike one pass with a cursor per row.
  const int bits = 64 - __builtin_clzll(rows - 1);
  const int passes = (bits + 10) / 11;
  const int digit_bits = (bits + passes - 1) / passes;
  const uint32_t mask = (uint32_t{1} << digit_bits) - 1;
  scratch->resize(n);  // keeps its capacity; only growth is initialized
  std::vector<size_t> counts(size_t{1} << digit_bits);
  SpoolRecord* src = records->data();
  SpoolRecord* dst = scratch->data();
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = pass * digit_bits;
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) ++counts[(src[i].row >> shift) & mask];
    size_t sum = 0;
    for (size_t& c : counts) {
      const size_t k = c;
      c = sum;
      sum += k;
    }
    for (size_t i = 0; i < n; ++i) {
      dst[counts[(src[i].row >> shift) & mask]++] = src[i];
    }
    std::swap(src, dst);
  }
  if (src != records->data()) records->swap(*scratch);  // odd passes
}

void SortRow(SpoolRecord* begin, SpoolRecord* end) {
  if (end - begin <= 32) {
    for (SpoolRecord* i = begin + 1; i < end; ++i) {
      const SpoolRecord e = *i;
      SpoolRecord* j = i;
      while (j > begin && EntryLess(e, j[-1])) {
        *j = j[-1];
        --j;
      }
      *j = e;
    }
  } else {
    std::sort(begin, end, EntryLess);
  }
}

}  // namespace tailor
