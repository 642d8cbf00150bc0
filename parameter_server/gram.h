#ifndef TAILOR_PARAMETER_SERVER_GRAM_H_
#define TAILOR_PARAMETER_SERVER_GRAM_H_

// Accumulates the Gram matrix sum_r r^T r (and the column sums sum_r r) of
// float rows in double. Each product of two floats is exact in double; sums
// are accumulated in blocks of rows with Eigen. Not thread-safe.

#include <cstdint>
#include <vector>

namespace tailor {

class GramAccumulator {
 public:
  explicit GramAccumulator(int dim);

  // Adds one row of dim() floats.
  void AddRow(const float* row);
  // Flushes buffered rows and returns the full dim x dim matrix, row-major
  // (symmetric), its column sums and the number of rows added.
  const std::vector<double>& Full();
  const std::vector<double>& RowSum() const { return row_sum_; }
  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }

 private:
  void Flush();

  int dim_;
  int block_rows_;
  int64_t rows_ = 0;
  int buffered_ = 0;
  std::vector<double> buffer_;  // block_rows_ x dim, row-major
  std::vector<double> upper_;   // dim x dim, only the upper triangle valid
  std::vector<double> full_;
  std::vector<double> row_sum_;
};

// Copies the upper triangle of a full dim x dim row-major matrix, row by row
// (GRAM_LAYOUT_UPPER_TRIANGLE).
std::vector<double> UpperTriangle(const std::vector<double>& full, int dim);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_GRAM_H_
