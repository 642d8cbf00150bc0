#include "core/csr_matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Row 0: cols 1, 3; row 1: empty; row 2: col 0.
CsrMatrix Small() {
  CsrMatrix m;
  m.rows = 3;
  m.cols = 4;
  m.indptr = {0, 2, 2, 3};
  m.indices = {1, 3, 0};
  m.data = {1.f, 2.f, 3.f};
  return m;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(ValidateCsrTest, AcceptsValidAndEmptyMatrices) {
  EXPECT_TRUE(ValidateCsr(Small()).ok());
  EXPECT_TRUE(ValidateCsr(CsrMatrix()).ok());
  CsrMatrix no_entries;
  no_entries.rows = 2;
  no_entries.cols = 0;
  no_entries.indptr = {0, 0, 0};
  EXPECT_TRUE(ValidateCsr(no_entries).ok());
}

TEST(ValidateCsrTest, NamesEachViolation) {
  struct Case {
    const char* expected;
    void (*mutate)(CsrMatrix&);
  };
  const Case cases[] = {
      {"negative shape", [](CsrMatrix& m) { m.rows = -1; }},
      {"indptr has 3 entries", [](CsrMatrix& m) { m.indptr.pop_back(); }},
      {"indptr[0] = 1", [](CsrMatrix& m) { m.indptr[0] = 1; }},
      {"3 indices but 2 values", [](CsrMatrix& m) { m.data.pop_back(); }},
      {"indptr decreases at row 1", [](CsrMatrix& m) { m.indptr[2] = 1; }},
      {"indptr[rows] = 2 but nnz = 3", [](CsrMatrix& m) { m.indptr[3] = 2; }},
      {"row 2 entry 2 has column 4 >= cols = 4",
       [](CsrMatrix& m) { m.indices[2] = 4; }},
      {"row 0 columns not strictly increasing at entry 1 (1 then 1)",
       [](CsrMatrix& m) { m.indices[1] = 1; }},
      {"row 0 columns not strictly increasing at entry 1 (3 then 1)",
       [](CsrMatrix& m) {
         m.indices = {3, 1, 0};
       }},
      {"non-finite value nan at row 2 entry 2",
       [](CsrMatrix& m) { m.data[2] = std::nanf(""); }},
      {"non-finite value inf at row 0 entry 0",
       [](CsrMatrix& m) {
         m.data[0] = std::numeric_limits<float>::infinity();
       }},
  };
  for (const Case& c : cases) {
    CsrMatrix m = Small();
    c.mutate(m);
    absl::Status s = ValidateCsr(m);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.expected;
    EXPECT_THAT(Message(s), HasSubstr(c.expected));
  }
}

TEST(ValidateCsrTest, DuplicateColumnsAllowedOnlyWhenAsked) {
  CsrMatrix m = Small();
  m.indices = {1, 1, 0};
  EXPECT_FALSE(ValidateCsr(m).ok());
  EXPECT_FALSE(ValidateCsr(m, /*allow_duplicate_columns=*/false).ok());
  EXPECT_TRUE(ValidateCsr(m, /*allow_duplicate_columns=*/true).ok());
  m.indices = {3, 1, 0};
  absl::Status s = ValidateCsr(m, /*allow_duplicate_columns=*/true);
  EXPECT_THAT(Message(s), HasSubstr("not non-decreasing at entry 1"));
}

// Dense oracle: (row, col) -> values in input order.
using Oracle = std::map<std::pair<int64_t, uint32_t>, std::vector<float>>;

Oracle ToOracle(const CsrMatrix& m, bool transpose) {
  Oracle o;
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      if (transpose) {
        o[{m.indices[k], static_cast<uint32_t>(r)}].push_back(m.data[k]);
      } else {
        o[{r, m.indices[k]}].push_back(m.data[k]);
      }
    }
  }
  return o;
}

struct Triples {
  std::vector<uint32_t> rows, cols;
  std::vector<float> values;
};

Triples RandomTriples(int n, int rows, int cols, uint32_t seed) {
  std::mt19937 rng(seed);
  Triples t;
  for (int i = 0; i < n; ++i) {
    t.rows.push_back(rng() % rows);
    t.cols.push_back(rng() % cols);
    t.values.push_back(static_cast<float>(rng() % 1000) / 8.f);
  }
  return t;
}

TEST(TransposeTest, MatchesOracleAndIsSortedAndStable) {
  const Triples t = RandomTriples(2000, 37, 23, 1);
  // Rows in input order, unsorted and with duplicates.
  CsrMatrix m;
  m.rows = 37;
  m.cols = 23;
  m.indptr.assign(38, 0);
  for (uint32_t r : t.rows) ++m.indptr[r + 1];
  for (int r = 0; r < 37; ++r) m.indptr[r + 1] += m.indptr[r];
  std::vector<int64_t> next(m.indptr.begin(), m.indptr.end() - 1);
  m.indices.resize(t.rows.size());
  m.data.resize(t.rows.size());
  for (size_t k = 0; k < t.rows.size(); ++k) {
    m.indices[next[t.rows[k]]] = t.cols[k];
    m.data[next[t.rows[k]]++] = t.values[k];
  }
  const CsrMatrix tr = Transpose(m);
  EXPECT_EQ(tr.rows, 23);
  EXPECT_EQ(tr.cols, 37);
  EXPECT_TRUE(ValidateCsr(tr, /*allow_duplicate_columns=*/true).ok());
  EXPECT_EQ(ToOracle(tr, /*transpose=*/true), ToOracle(m, false));
}

// Large enough (> 2^18 entries, > 2^12 columns) for the two-pass blocked
// grouping; checked against a stable sort of (column, row) pairs.
TEST(TransposeTest, LargeMatrixMatchesStableSortOracle) {
  constexpr int kRows = 30000, kCols = 10007;
  const Triples t = RandomTriples(400000, kRows, kCols, 11);
  const CsrMatrix m = CsrFromTriples(kRows, kCols, t.rows, t.cols, t.values,
                                     DuplicatePolicy::kLast);
  ASSERT_TRUE(ValidateCsr(m).ok());
  struct Entry {
    uint32_t col, row;
    float value;
  };
  std::vector<Entry> entries;
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      entries.push_back({m.indices[k], static_cast<uint32_t>(r), m.data[k]});
    }
  }
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const Entry& a, const Entry& b) { return a.col < b.col; });
  const CsrMatrix tr = Transpose(m);
  ASSERT_TRUE(ValidateCsr(tr).ok()) << ValidateCsr(tr);
  ASSERT_EQ(tr.nnz(), static_cast<int64_t>(entries.size()));
  for (size_t k = 0; k < entries.size(); ++k) {
    ASSERT_EQ(tr.indices[k], entries[k].row) << k;
    ASSERT_EQ(tr.data[k], entries[k].value) << k;
  }
  for (int64_t c = 0; c < kCols; ++c) {
    for (int64_t k = tr.indptr[c]; k < tr.indptr[c + 1]; ++k) {
      ASSERT_EQ(entries[k].col, c);
    }
  }
}

TEST(CsrFromTriplesLargeTest, KeepsTheLastOfManyDuplicates) {
  // 300k triples over 5000 x 6000 cells: many repeats, random order.
  const Triples t = RandomTriples(300000, 5000, 6000, 12);
  std::map<std::pair<int64_t, uint32_t>, float> expected;
  for (size_t k = 0; k < t.rows.size(); ++k) {
    expected[{t.rows[k], t.cols[k]}] = t.values[k];
  }
  const CsrMatrix m = CsrFromTriples(5000, 6000, t.rows, t.cols, t.values,
                                     DuplicatePolicy::kLast);
  ASSERT_TRUE(ValidateCsr(m).ok());
  ASSERT_EQ(m.nnz(), static_cast<int64_t>(expected.size()));
  auto it = expected.begin();
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k, ++it) {
      ASSERT_EQ(it->first.first, r);
      ASSERT_EQ(it->first.second, m.indices[k]);
      ASSERT_EQ(it->second, m.data[k]);
    }
  }
}

TEST(TransposeTest, TwiceIsIdentityOnCanonicalMatrix) {
  const Triples t = RandomTriples(500, 50, 40, 2);
  const CsrMatrix m =
      CsrFromTriples(50, 40, t.rows, t.cols, t.values, DuplicatePolicy::kSum);
  ASSERT_TRUE(ValidateCsr(m).ok());
  const CsrMatrix back = Transpose(Transpose(m));
  EXPECT_EQ(back.rows, m.rows);
  EXPECT_EQ(back.cols, m.cols);
  EXPECT_EQ(back.indptr, m.indptr);
  EXPECT_EQ(back.indices, m.indices);
  EXPECT_EQ(back.data, m.data);
}

TEST(TransposeTest, EmptyShapes) {
  CsrMatrix m;
  m.rows = 0;
  m.cols = 5;
  const CsrMatrix t = Transpose(m);
  EXPECT_EQ(t.rows, 5);
  EXPECT_EQ(t.cols, 0);
  EXPECT_THAT(t.indptr, ElementsAre(0, 0, 0, 0, 0, 0));
  EXPECT_TRUE(ValidateCsr(t).ok());
}

CsrMatrix OneRow(std::vector<uint32_t> cols, std::vector<float> vals) {
  CsrMatrix m;
  m.rows = 1;
  m.cols = 10;
  m.indptr = {0, static_cast<int64_t>(cols.size())};
  m.indices = std::move(cols);
  m.data = std::move(vals);
  return m;
}

TEST(CoalesceTest, SortsAndMergesByPolicy) {
  const std::vector<uint32_t> cols = {5, 2, 5, 2, 7};
  const std::vector<float> vals = {1, 4, 3, 2, 9};
  CsrMatrix sum = OneRow(cols, vals);
  Coalesce(sum, DuplicatePolicy::kSum);
  EXPECT_THAT(sum.indices, ElementsAre(2, 5, 7));
  EXPECT_THAT(sum.data, ElementsAre(6, 4, 9));
  EXPECT_THAT(sum.indptr, ElementsAre(0, 3));
  CsrMatrix last = OneRow(cols, vals);
  Coalesce(last, DuplicatePolicy::kLast);
  EXPECT_THAT(last.data, ElementsAre(2, 3, 9));
  CsrMatrix max = OneRow(cols, vals);
  Coalesce(max, DuplicatePolicy::kMax);
  EXPECT_THAT(max.data, ElementsAre(4, 3, 9));
  EXPECT_TRUE(ValidateCsr(max).ok());
}

TEST(CoalesceTest, MergesSortedRowsWithRepeats) {
  CsrMatrix m = OneRow({1, 1, 1, 4}, {1, 2, 3, 4});
  Coalesce(m, DuplicatePolicy::kLast);
  EXPECT_THAT(m.indices, ElementsAre(1, 4));
  EXPECT_THAT(m.data, ElementsAre(3, 4));
}

TEST(CoalesceTest, LeavesCanonicalMatrixUnchanged) {
  CsrMatrix m = Small();
  Coalesce(m, DuplicatePolicy::kSum);
  const CsrMatrix s = Small();
  EXPECT_EQ(m.indptr, s.indptr);
  EXPECT_EQ(m.indices, s.indices);
  EXPECT_EQ(m.data, s.data);
}

class CsrFromTriplesTest : public ::testing::TestWithParam<DuplicatePolicy> {};

void ExpectMatchesMapOracle(const Triples& t, DuplicatePolicy policy) {
  std::map<std::pair<int64_t, uint32_t>, float> expected;
  for (size_t k = 0; k < t.rows.size(); ++k) {
    auto key = std::make_pair(int64_t{t.rows[k]}, t.cols[k]);
    auto it = expected.find(key);
    if (it == expected.end()) {
      expected[key] = t.values[k];
    } else if (policy == DuplicatePolicy::kSum) {
      it->second += t.values[k];
    } else if (policy == DuplicatePolicy::kLast) {
      it->second = t.values[k];
    } else {
      it->second = std::max(it->second, t.values[k]);
    }
  }
  const CsrMatrix m = CsrFromTriples(61, 29, t.rows, t.cols, t.values, policy);
  ASSERT_TRUE(ValidateCsr(m).ok()) << ValidateCsr(m);
  std::map<std::pair<int64_t, uint32_t>, float> got;
  for (const auto& [key, values] : ToOracle(m, false)) {
    ASSERT_EQ(values.size(), 1u);
    got[key] = values[0];
  }
  EXPECT_EQ(got, expected);
}

TEST_P(CsrFromTriplesTest, MatchesMapOracleOnRandomOrder) {
  ExpectMatchesMapOracle(RandomTriples(5000, 61, 29, 3), GetParam());
}

// Triples grouped by row (columns still shuffled) take the one-pass path.
TEST_P(CsrFromTriplesTest, MatchesMapOracleOnRowGroupedInput) {
  const Triples random = RandomTriples(5000, 61, 29, 4);
  std::vector<size_t> order(random.rows.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return random.rows[a] < random.rows[b];
  });
  Triples grouped;
  for (size_t k : order) {
    grouped.rows.push_back(random.rows[k]);
    grouped.cols.push_back(random.cols[k]);
    grouped.values.push_back(random.values[k]);
  }
  ExpectMatchesMapOracle(grouped, GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, CsrFromTriplesTest,
                         ::testing::Values(DuplicatePolicy::kSum,
                                           DuplicatePolicy::kLast,
                                           DuplicatePolicy::kMax));

TEST(CsrFromTriplesDeathTest, MismatchedSizesAbort) {
  EXPECT_DEATH(
      CsrFromTriples(2, 2, {0, 1}, {0}, {1.f, 2.f}, DuplicatePolicy::kSum),
      "counts differ");
  EXPECT_DEATH(
      CsrFromTriples(2, 2, {0, 2}, {0, 0}, {1.f, 2.f}, DuplicatePolicy::kSum),
      "out of range");
}

}  // namespace
}  // namespace tailor
