#include "trainer/sgd/block_grid.h"

#include <set>

#include "gtest/gtest.h"
#include "trainer/sgd/test_matrices.h"

namespace tailor {
namespace {

TEST(BlockGridTest, BlocksPartitionEveryEntryOnce) {
  const CsrMatrix m = RandomRatings(97, 41, 0.2, 3, /*empty_rows=*/5);
  const GridPartition g = BalancedGrid(m, 4);
  ASSERT_EQ(g.grid, 4);
  const std::vector<SgdBlock> blocks = BuildBlocks(m, g);
  ASSERT_EQ(blocks.size(), 16u);
  std::set<std::pair<uint32_t, uint32_t>> seen;
  int64_t total = 0;
  for (int b = 0; b < 16; ++b) {
    const SgdBlock& block = blocks[b];
    EXPECT_EQ(block.row_begin, g.row_cuts[b / 4]);
    EXPECT_EQ(block.col_begin, g.col_cuts[b % 4]);
    ASSERT_EQ(block.user_offsets.size(), block.users.size() + 1);
    for (size_t ui = 0; ui < block.users.size(); ++ui) {
      const uint32_t u = block.users[ui];
      EXPECT_GE(u, block.row_begin);
      EXPECT_LT(u, block.row_end);
      EXPECT_LT(block.user_offsets[ui], block.user_offsets[ui + 1]);
      for (uint32_t e = block.user_offsets[ui]; e < block.user_offsets[ui + 1];
           ++e) {
        EXPECT_GE(block.items[e], block.col_begin);
        EXPECT_LT(block.items[e], block.col_end);
        EXPECT_TRUE(seen.insert({u, block.items[e]}).second);
        ++total;
      }
    }
    // The worker's path gives the same block.
    const SgdBlock same = ExtractBlock(m, block.row_begin, block.row_end,
                                       block.col_begin, block.col_end);
    EXPECT_EQ(same.users, block.users);
    EXPECT_EQ(same.user_offsets, block.user_offsets);
    EXPECT_EQ(same.items, block.items);
    EXPECT_EQ(same.values, block.values);
  }
  EXPECT_EQ(total, m.nnz());
}

TEST(BlockGridTest, CutsBalanceNonzeros) {
  const CsrMatrix m = RandomImplicit(400, 300, 0.05, 11);
  const GridPartition g = BalancedGrid(m, 4);
  const std::vector<SgdBlock> blocks = BuildBlocks(m, g);
  for (int r = 0; r < 4; ++r) {
    int64_t row_nnz = 0, col_nnz = 0;
    for (int c = 0; c < 4; ++c) {
      row_nnz += blocks[r * 4 + c].nnz();
      col_nnz += blocks[c * 4 + r].nnz();
    }
    EXPECT_NEAR(row_nnz, m.nnz() / 4.0, m.nnz() * 0.05);
    EXPECT_NEAR(col_nnz, m.nnz() / 4.0, m.nnz() * 0.08);
  }
}

TEST(BlockGridTest, GridIsClampedToMatrixSize) {
  const CsrMatrix m = RandomRatings(3, 2, 1.0, 1);
  EXPECT_EQ(BalancedGrid(m, 10).grid, 2);
  EXPECT_EQ(BalancedGrid(m, 0).grid, 1);
}

TEST(BlockGridTest, StrataAreDisjointAndCoverEveryBlock) {
  for (int grid : {1, 2, 5, 8}) {
    for (int epoch = 0; epoch < 3; ++epoch) {
      const auto strata = StrataForEpoch(grid, 99, epoch);
      ASSERT_EQ(strata.size(), static_cast<size_t>(grid));
      std::set<int> all;
      for (const auto& stratum : strata) {
        std::set<int> rows, cols;
        for (int b : stratum) {
          EXPECT_TRUE(rows.insert(b / grid).second) << "row shared";
          EXPECT_TRUE(cols.insert(b % grid).second) << "column shared";
          EXPECT_TRUE(all.insert(b).second) << "block twice";
        }
        EXPECT_EQ(rows.size(), static_cast<size_t>(grid));
      }
      EXPECT_EQ(all.size(), static_cast<size_t>(grid * grid));
    }
  }
  EXPECT_EQ(StrataForEpoch(6, 1, 2), StrataForEpoch(6, 1, 2));
  EXPECT_NE(StrataForEpoch(6, 1, 2), StrataForEpoch(6, 1, 3));
}

}  // namespace
}  // namespace tailor
