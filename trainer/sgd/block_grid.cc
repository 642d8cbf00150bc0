#include "trainer/sgd/block_grid.h"

#include <algorithm>
#include <numeric>

#include "trainer/sgd/sgd_random.h"

namespace tailor {
namespace {

// Cuts [0, counts.size()) into `parts` ranges of about equal total count;
// every range is non-empty (parts <= counts.size()).
std::vector<uint32_t> EqualCuts(const std::vector<int64_t>& counts, int parts) {
  const int64_t n = static_cast<int64_t>(counts.size());
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  std::vector<uint32_t> cuts(parts + 1, 0);
  cuts[parts] = static_cast<uint32_t>(n);
  int64_t acc = 0, pos = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = static_cast<double>(total) * p / parts;
    // Leave at least one index for each remaining part.
    const int64_t max_pos = n - (parts - p);
    const int64_t min_pos = cuts[p - 1] + 1;
    while (pos < max_pos &&
           (pos < min_pos || acc + counts[pos] / 2.0 < target)) {
      acc += counts[pos];
      ++pos;
    }
    cuts[p] = static_cast<uint32_t>(pos);
  }
  return cuts;
}

void Shuffle(std::vector<int>& v, SplitMix64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    std::swap(v[i - 1], v[rng.Below(static_cast<uint32_t>(i))]);
  }
}

}  // namespace

GridPartition BalancedGrid(const CsrMatrix& m, int grid) {
  GridPartition g;
  const int64_t limit = std::max<int64_t>(1, std::min(m.rows, m.cols));
  g.grid = static_cast<int>(std::clamp<int64_t>(grid, 1, limit));
  std::vector<int64_t> row_counts(m.rows), col_counts(m.cols, 0);
  for (int64_t r = 0; r < m.rows; ++r) row_counts[r] = m.RowSize(r);
  for (uint32_t c : m.indices) ++col_counts[c];
  if (m.rows == 0 || m.cols == 0) {
    g.grid = 1;
    g.row_cuts = {0, static_cast<uint32_t>(m.rows)};
    g.col_cuts = {0, static_cast<uint32_t>(m.cols)};
    return g;
  }
  g.row_cuts = EqualCuts(row_counts, g.grid);
  g.col_cuts = EqualCuts(col_counts, g.grid);
  return g;
}

SgdBlock ExtractBlock(const CsrMatrix& m, uint32_t row_begin, uint32_t row_end,
                      uint32_t col_begin, uint32_t col_end) {
  SgdBlock b;
  b.row_begin = row_begin;
  b.row_end = row_end;
  b.col_begin = col_begin;
  b.col_end = col_end;
  b.user_offsets.push_back(0);
  for (uint32_t r = row_begin; r < row_end; ++r) {
    const uint32_t* begin = m.indices.data() + m.indptr[r];
    const uint32_t* end = m.indices.data() + m.indptr[r + 1];
    const uint32_t* lo = std::lower_bound(begin, end, col_begin);
    const uint32_t* hi = std::lower_bound(lo, end, col_end);
    if (lo == hi) continue;
    b.users.push_back(r);
    for (const uint32_t* p = lo; p < hi; ++p) {
      b.items.push_back(*p);
      b.values.push_back(m.data[p - m.indices.data()]);
    }
    b.user_offsets.push_back(static_cast<uint32_t>(b.items.size()));
  }
  return b;
}

std::vector<SgdBlock> BuildBlocks(const CsrMatrix& m, const GridPartition& g) {
  const int G = g.grid;
  std::vector<SgdBlock> blocks(static_cast<size_t>(G) * G);
  std::vector<int> col_block(m.cols);
  for (int c = 0; c < G; ++c) {
    for (uint32_t j = g.col_cuts[c]; j < g.col_cuts[c + 1]; ++j) {
      col_block[j] = c;
    }
  }
  for (int r = 0; r < G; ++r) {
    // Count entries per block of this row range, then fill.
    std::vector<int64_t> counts(G, 0), users(G, 0);
    for (uint32_t u = g.row_cuts[r]; u < g.row_cuts[r + 1]; ++u) {
      int last = -1;
      for (int64_t p = m.indptr[u]; p < m.indptr[u + 1]; ++p) {
        const int c = col_block[m.indices[p]];
        ++counts[c];
        if (c != last) ++users[c];
        last = c;
      }
    }
    for (int c = 0; c < G; ++c) {
      SgdBlock& b = blocks[r * G + c];
      b.row_begin = g.row_cuts[r];
      b.row_end = g.row_cuts[r + 1];
      b.col_begin = g.col_cuts[c];
      b.col_end = g.col_cuts[c + 1];
      b.items.reserve(counts[c]);
      b.values.reserve(counts[c]);
      b.users.reserve(users[c]);
      b.user_offsets.reserve(users[c] + 1);
      b.user_offsets.push_back(0);
    }
    for (uint32_t u = g.row_cuts[r]; u < g.row_cuts[r + 1]; ++u) {
      int last = -1;
      for (int64_t p = m.indptr[u]; p < m.indptr[u + 1]; ++p) {
        const int c = col_block[m.indices[p]];
        SgdBlock& b = blocks[r * G + c];
        if (c != last) {
          if (last >= 0) {
            SgdBlock& prev = blocks[r * G + last];
            prev.user_offsets.push_back(
                static_cast<uint32_t>(prev.items.size()));
          }
          b.users.push_back(u);
          last = c;
        }
        b.items.push_back(m.indices[p]);
        b.values.push_back(m.data[p]);
      }
      if (last >= 0) {
        SgdBlock& prev = blocks[r * G + last];
        prev.user_offsets.push_back(static_cast<uint32_t>(prev.items.size()));
      }
    }
  }
  return blocks;
}

std::vector<std::vector<int>> StrataForEpoch(int grid, uint64_t seed,
                                             int epoch) {
  SplitMix64 rng(DeriveSeed(seed, static_cast<uint64_t>(epoch), 0, 0x57));
  std::vector<int> rows(grid), cols(grid), order(grid);
  std::iota(rows.begin(), rows.end(), 0);
  std::iota(cols.begin(), cols.end(), 0);
  std::iota(order.begin(), order.end(), 0);
  Shuffle(rows, rng);
  Shuffle(cols, rng);
  Shuffle(order, rng);
  std::vector<std::vector<int>> strata(grid);
  for (int t = 0; t < grid; ++t) {
    strata[t].reserve(grid);
    for (int x = 0; x < grid; ++x) {
      strata[t].push_back(rows[x] * grid + cols[(x + order[t]) % grid]);
    }
  }
  return strata;
}

}  // namespace tailor
