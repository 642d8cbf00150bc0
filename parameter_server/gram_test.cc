#include "parameter_server/gram.h"

#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(GramTest, EqualsNaiveSumExactlyOnDyadicValues) {
  const int dim = 7, rows = 2500;  // two 1024-row blocks plus a remainder
  std::vector<float> data(rows * dim);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<float>(static_cast<int>((i * 37) % 17) - 8) / 4.0f;
  }
  GramAccumulator acc(dim);
  for (int r = 0; r < rows; ++r) acc.AddRow(&data[r * dim]);
  const std::vector<double>& g = acc.Full();
  for (int i = 0; i < dim; ++i) {
    double sum = 0;
    for (int r = 0; r < rows; ++r) sum += data[r * dim + i];
    EXPECT_EQ(acc.RowSum()[i], sum);
    for (int j = 0; j < dim; ++j) {
      double s = 0;
      for (int r = 0; r < rows; ++r) {
        s += double{data[r * dim + i]} * data[r * dim + j];
      }
      EXPECT_EQ(g[i * dim + j], s) << i << "," << j;
    }
  }
  EXPECT_EQ(acc.rows(), rows);
}

TEST(GramTest, UpperTriangleLayout) {
  const std::vector<double> full = {1, 2, 3, 2, 4, 5, 3, 5, 6};
  EXPECT_EQ(UpperTriangle(full, 3), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(GramTest, EmptyIsZero) {
  GramAccumulator acc(3);
  for (double v : acc.Full()) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(acc.rows(), 0);
}

}  // namespace
}  // namespace tailor
