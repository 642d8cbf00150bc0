#include "trainer/sgd/test_matrices.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "trainer/sgd/sgd_random.h"

namespace tailor {

CsrMatrix RandomRatings(int64_t rows, int64_t cols, double density,
                        uint64_t seed, int64_t empty_rows) {
  SplitMix64 rng(seed);
  constexpr int kRank = 3;
  std::vector<float> U(rows * kRank), V(cols * kRank);
  for (float& x : U) x = 0.8f * rng.Normal();
  for (float& x : V) x = 0.8f * rng.Normal();
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    if (r < rows - empty_rows) {
      std::set<uint32_t> items;
      const int64_t n = std::max<int64_t>(
          1, static_cast<int64_t>(density * cols * (0.5 + rng.Uniform01())));
      while (static_cast<int64_t>(items.size()) < std::min(n, cols)) {
        items.insert(rng.Below(static_cast<uint32_t>(cols)));
      }
      for (uint32_t c : items) {
        float x = 3.5f + 0.3f * rng.Normal();
        for (int f = 0; f < kRank; ++f)
          x += U[r * kRank + f] * V[c * kRank + f];
        m.indices.push_back(c);
        m.data.push_back(std::clamp(std::round(x), 1.0f, 5.0f));
      }
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
  }
  return m;
}

CsrMatrix RandomImplicit(int64_t rows, int64_t cols, double density,
                         uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<double> cdf(cols);
  double total = 0;
  for (int64_t c = 0; c < cols; ++c) {
    total += 1.0 / (c + 5.0);
    cdf[c] = total;
  }
  // Two user groups prefer opposite halves of the catalogue.
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  for (int64_t r = 0; r < rows; ++r) {
    std::set<uint32_t> items;
    const int64_t n =
        std::max<int64_t>(2, static_cast<int64_t>(density * cols));
    int guard = 0;
    while (static_cast<int64_t>(items.size()) < std::min(n, cols) &&
           guard++ < 100000) {
      const double x = rng.Uniform01() * total;
      uint32_t c = static_cast<uint32_t>(
          std::lower_bound(cdf.begin(), cdf.end(), x) - cdf.begin());
      if (c >= cols) c = static_cast<uint32_t>(cols - 1);
      if (r % 2 == 1) c = static_cast<uint32_t>(cols - 1 - c);
      items.insert(c);
    }
    for (uint32_t c : items) {
      m.indices.push_back(c);
      m.data.push_back(1.0f);
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
  }
  return m;
}

}  // namespace tailor
