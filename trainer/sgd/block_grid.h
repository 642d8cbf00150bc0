#ifndef TAILOR_TRAINER_SGD_BLOCK_GRID_H_
#define TAILOR_TRAINER_SGD_BLOCK_GRID_H_

// The block partition of a user-major rating matrix for parallel SGD
// (DSGD / LIBMF style): rows and columns are each cut into `grid` ranges
// holding about equal numbers of nonzeros, giving grid x grid blocks; block
// (r, c) has id r * grid + c. Blocks that share no row range and no column
// range can be updated concurrently without locks. Plain values; not
// synchronized.

#include <cstdint>
#include <vector>

#include "core/csr_matrix.h"

namespace tailor {

// The entries of one block, grouped by user (ascending), and within a user
// sorted by item. Ids are those of the source matrix (global).
struct SgdBlock {
  uint32_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;
  std::vector<uint32_t> users;         // distinct users with entries
  std::vector<uint32_t> user_offsets;  // users.size() + 1 offsets
  std::vector<uint32_t> items;
  std::vector<float> values;
  int64_t nnz() const { return static_cast<int64_t>(items.size()); }
};

struct GridPartition {
  int grid = 1;
  std::vector<uint32_t> row_cuts;  // grid + 1 ascending, [0] = 0, back = rows
  std::vector<uint32_t> col_cuts;  // grid + 1 ascending, [0] = 0, back = cols
};

// Cuts so that each row (column) range holds about nnz / grid entries.
// `grid` is clamped to [1, min(rows, cols)] (at least 1).
GridPartition BalancedGrid(const CsrMatrix& m, int grid);

// The entries of `m` inside [row_begin, row_end) x [col_begin, col_end).
// This is what a distributed worker calls for the block it was given.
SgdBlock ExtractBlock(const CsrMatrix& m, uint32_t row_begin, uint32_t row_end,
                      uint32_t col_begin, uint32_t col_end);

// All grid x grid blocks in one pass over `m`, indexed by block id.
std::vector<SgdBlock> BuildBlocks(const CsrMatrix& m, const GridPartition& g);

// The deterministic schedule of one epoch: `grid` strata, each a list of
// `grid` block ids that pairwise share no row range and no column range,
// together covering every block once. Randomized Latin square: depends only
// on (grid, seed, epoch).
std::vector<std::vector<int>> StrataForEpoch(int grid, uint64_t seed,
                                             int epoch);

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_BLOCK_GRID_H_
