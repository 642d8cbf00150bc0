#include "trainer/knn/similarity.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/eval/test_util.h"

namespace tailor {
namespace {

using testing::Entry;
using testing::MakeCsr;

// Ratings (users x items):   i0 i1 i2
//                       u0:   5  3  -
//                       u1:   4  -  2
//                       u2:   1  5  4
//                       u3:   -  2  5
// Item-major: i0 = (5 4 1 -), i1 = (3 - 5 2), i2 = (- 2 4 5) over users.
CsrMatrix ItemMajor() {
  return MakeCsr(3, 4,
                 {{0, 0, 5},
                  {0, 1, 4},
                  {0, 2, 1},
                  {1, 0, 3},
                  {1, 2, 5},
                  {1, 3, 2},
                  {2, 1, 2},
                  {2, 2, 4},
                  {2, 3, 5}});
}

float Sim(const NeighborTable& t, int64_t r, uint32_t n) {
  for (int64_t p = t.indptr[r]; p < t.indptr[r + 1]; ++p) {
    if (t.neighbors[p] == n) return t.similarities[p];
  }
  return 0.0f;
}

// |i0| = sqrt(42), |i1| = sqrt(38), |i2| = sqrt(45)
// i0.i1 = 5*3 + 1*5 = 20 -> 20 / sqrt(42 * 38) = 0.5006262
// i0.i2 = 4*2 + 1*4 = 12 -> 12 / sqrt(42 * 45) = 0.2760262
// i1.i2 = 5*4 + 2*5 = 30 -> 30 / sqrt(38 * 45) = 0.7254763
TEST(SimilarityTest, CosineHandComputed) {
  SimilarityOptions options;
  absl::StatusOr<NeighborTable> t = ComputeNeighbors(ItemMajor(), options);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(ValidateNeighborTable(*t).ok());
  EXPECT_NEAR(Sim(*t, 0, 1), 0.5006262, 1e-6);
  EXPECT_NEAR(Sim(*t, 0, 2), 0.2760262, 1e-6);
  EXPECT_NEAR(Sim(*t, 1, 2), 0.7254763, 1e-6);
  EXPECT_NEAR(Sim(*t, 2, 1), 0.7254763, 1e-6);
  // Row i1 is sorted: i2 (0.725) before i0 (0.501).
  EXPECT_EQ(t->neighbors[t->indptr[1]], 2u);
  EXPECT_EQ(t->neighbors[t->indptr[1] + 1], 0u);
}

// Co-rated only: i0,i1 on u0,u2: (5,1).(3,5) = 20 / sqrt(26 * 34) = 0.6726728
// i0,i2 on u1,u2: (4,1).(2,4) = 12 / sqrt(17 * 20) = 0.6507914
// i1,i2 on u2,u3: (5,2).(4,5) = 30 / sqrt(29 * 41) = 0.8700222
TEST(SimilarityTest, CoRatedCosineHandComputed) {
  SimilarityOptions options;
  options.metric = SimilarityMetric::kCosineCoRated;
  NeighborTable t = *ComputeNeighbors(ItemMajor(), options);
  EXPECT_NEAR(Sim(t, 0, 1), 0.6726728, 1e-6);
  EXPECT_NEAR(Sim(t, 0, 2), 0.6507914, 1e-6);
  EXPECT_NEAR(Sim(t, 1, 2), 0.8700222, 1e-6);
}

// MSD: i0,i1 diffs 2, -4 -> 20/2 = 10 -> 1/11; i0,i2 diffs 2, -3 -> 6.5 ->
// 1/7.5; i1,i2 diffs 1, -3 -> 5 -> 1/6.
TEST(SimilarityTest, MsdHandComputed) {
  SimilarityOptions options;
  options.metric = SimilarityMetric::kMsd;
  NeighborTable t = *ComputeNeighbors(ItemMajor(), options);
  EXPECT_NEAR(Sim(t, 0, 1), 1.0 / 11, 1e-6);
  EXPECT_NEAR(Sim(t, 0, 2), 1.0 / 7.5, 1e-6);
  EXPECT_NEAR(Sim(t, 1, 2), 1.0 / 6, 1e-6);
}

// Every pair shares 2 users: shrinkage 2 halves them; min_support 3 drops
// them; max_neighbors 1 keeps the best one.
TEST(SimilarityTest, ShrinkageSupportAndTopK) {
  SimilarityOptions options;
  options.shrinkage = 2;
  NeighborTable t = *ComputeNeighbors(ItemMajor(), options);
  EXPECT_NEAR(Sim(t, 0, 1), 0.5006262 / 2, 1e-6);
  options.shrinkage = 0;
  options.min_support = 3;
  EXPECT_EQ(ComputeNeighbors(ItemMajor(), options)->neighbors.size(), 0u);
  options.min_support = 1;
  options.max_neighbors = 1;
  t = *ComputeNeighbors(ItemMajor(), options);
  EXPECT_EQ(t.indptr, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(t.neighbors, (std::vector<uint32_t>{1, 2, 1}));
}

TEST(SimilarityTest, BadOptionsAreErrors) {
  SimilarityOptions options;
  options.min_support = 0;
  EXPECT_FALSE(ComputeNeighbors(ItemMajor(), options).ok());
  options.min_support = 1;
  options.shrinkage = -1;
  EXPECT_FALSE(ComputeNeighbors(ItemMajor(), options).ok());
}

// Brute-force oracle on random data: Pearson over co-rated entries (centred
// on the co-rated means) and adjusted cosine (values centred by the column
// means, co-rated cosine).
double OraclePearson(const std::vector<std::vector<float>>& d, int a, int b,
                     bool adjusted, const std::vector<double>& col_mean) {
  std::vector<double> x, y;
  for (size_t c = 0; c < d[a].size(); ++c) {
    if (d[a][c] != 0 && d[b][c] != 0) {
      x.push_back(d[a][c] - (adjusted ? col_mean[c] : 0));
      y.push_back(d[b][c] - (adjusted ? col_mean[c] : 0));
    }
  }
  if (x.empty()) return 0;
  double mx = 0, my = 0;
  if (!adjusted) {
    for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
    mx /= x.size();
    my /= y.size();
  }
  double num = 0, vx = 0, vy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    num += (x[i] - mx) * (y[i] - my);
    vx += (x[i] - mx) * (x[i] - mx);
    vy += (y[i] - my) * (y[i] - my);
  }
  return (vx > 0 && vy > 0) ? num / std::sqrt(vx * vy) : 0;
}

TEST(SimilarityTest, PearsonAndAdjustedCosineMatchOracle) {
  std::mt19937 rng(17);
  const int rows = 12, cols = 30;
  std::vector<std::vector<float>> dense(rows, std::vector<float>(cols, 0));
  std::vector<Entry> entries;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      if (rng() % 2) {
        dense[r][c] = 1 + rng() % 5;
        entries.push_back(
            {static_cast<uint32_t>(r), static_cast<uint32_t>(c), dense[r][c]});
      }
    }
  }
  std::vector<double> col_mean(cols, 0);
  for (int c = 0; c < cols; ++c) {
    int n = 0;
    for (int r = 0; r < rows; ++r) {
      if (dense[r][c] != 0) col_mean[c] += dense[r][c], ++n;
    }
    if (n > 0) col_mean[c] /= n;
  }
  const CsrMatrix m = MakeCsr(rows, cols, entries);
  for (bool adjusted : {false, true}) {
    SimilarityOptions options;
    options.max_neighbors = 0;
    options.metric = adjusted ? SimilarityMetric::kAdjustedCosine
                              : SimilarityMetric::kPearson;
    const NeighborTable t = *ComputeNeighbors(m, options);
    ASSERT_TRUE(ValidateNeighborTable(t).ok());
    int positive = 0;
    for (int a = 0; a < rows; ++a) {
      for (int b = 0; b < rows; ++b) {
        if (a == b) continue;
        const double want = OraclePearson(dense, a, b, adjusted, col_mean);
        positive += want > 1e-9;
        EXPECT_NEAR(Sim(t, a, b), want > 1e-9 ? want : 0.0, 1e-5)
            << (adjusted ? "adjusted " : "pearson ") << a << "," << b;
      }
    }
    EXPECT_GT(positive, 10);  // the check is not vacuous
  }
}

// Rows with few co-occurrences take the touched-list path, a few heavy rows
// the dense-scan path; both must match a brute-force cosine.
TEST(SimilarityTest, SparseAndDenseRowPathsMatchOracle) {
  std::mt19937 rng(9);
  const int rows = 400, cols = 2000;
  std::vector<std::vector<float>> dense(rows, std::vector<float>(cols, 0));
  std::vector<Entry> entries;
  for (int r = 0; r < rows; ++r) {
    const int n = r < 5 ? 600 : 3;  // rows 0-4 are heavy
    for (int t = 0; t < n; ++t) {
      const int c = rng() % cols;
      if (dense[r][c] != 0) continue;
      dense[r][c] = 1 + rng() % 3;
      entries.push_back(
          {static_cast<uint32_t>(r), static_cast<uint32_t>(c), dense[r][c]});
    }
  }
  SimilarityOptions options;
  options.max_neighbors = 0;
  const NeighborTable t =
      *ComputeNeighbors(MakeCsr(rows, cols, entries), options);
  int checked = 0;
  for (int a = 0; a < rows; ++a) {
    for (int b = 0; b < rows; ++b) {
      if (a == b) continue;
      double dot = 0, na = 0, nb = 0;
      for (int c = 0; c < cols; ++c) {
        dot += dense[a][c] * dense[b][c];
        na += dense[a][c] * dense[a][c];
        nb += dense[b][c] * dense[b][c];
      }
      const double want = dot > 0 ? dot / std::sqrt(na * nb) : 0.0;
      checked += want > 0;
      ASSERT_NEAR(Sim(t, a, b), want, 1e-5) << a << "," << b;
    }
  }
  EXPECT_GT(checked, 1000);
}

// The bounded heap keeps exactly the first K entries of the unbounded row.
TEST(SimilarityTest, TopKEqualsPrefixOfFullRows) {
  std::mt19937 rng(5);
  std::vector<Entry> entries;
  for (uint32_t r = 0; r < 60; ++r) {
    for (uint32_t c = 0; c < 40; ++c) {
      if (rng() % 3 == 0) entries.push_back({r, c, 1.0f + rng() % 5});
    }
  }
  const CsrMatrix m = MakeCsr(60, 40, entries);
  SimilarityOptions options;
  options.max_neighbors = 0;
  const NeighborTable full = *ComputeNeighbors(m, options);
  options.max_neighbors = 7;
  const NeighborTable top = *ComputeNeighbors(m, options);
  ASSERT_TRUE(ValidateNeighborTable(top).ok());
  for (int64_t r = 0; r < 60; ++r) {
    const int64_t n = std::min<int64_t>(7, full.RowSize(r));
    ASSERT_EQ(top.RowSize(r), n) << "row " << r;
    for (int64_t p = 0; p < n; ++p) {
      EXPECT_EQ(top.neighbors[top.indptr[r] + p],
                full.neighbors[full.indptr[r] + p]);
      EXPECT_EQ(top.similarities[top.indptr[r] + p],
                full.similarities[full.indptr[r] + p]);
    }
  }
  EXPECT_GT(full.RowSize(0), 7);  // the heap really had to drop entries
}

}  // namespace
}  // namespace tailor
