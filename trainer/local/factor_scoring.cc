#include "trainer/local/factor_scoring.h"

#include <Eigen/Core>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::Status ScoreByFactors(const DenseFactors& users,
                            const DenseFactors& items,
                            absl::Span<const float> item_bias,
                            absl::Span<const uint32_t> users_batch,
                            absl::Span<float> scores) {
  using RowMatrix =
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t batch = static_cast<int64_t>(users_batch.size());
  if (users.cols != items.cols) {
    return absl::InvalidArgumentError(
        absl::StrCat("user factors have ", users.cols,
                     " columns but item factors ", items.cols));
  }
  if (static_cast<int64_t>(scores.size()) != batch * items.rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("score buffer holds ", scores.size(), " values, need ",
                     batch * items.rows));
  }
  if (!item_bias.empty() &&
      static_cast<int64_t>(item_bias.size()) != items.rows) {
    return absl::InvalidArgumentError("item bias length differs from items");
  }
  RowMatrix batch_factors(batch, users.cols);
  for (int64_t b = 0; b < batch; ++b) {
    if (users_batch[b] >= users.rows) {
      return absl::InvalidArgumentError(
          absl::StrCat("user index ", users_batch[b], " is out of range (",
                       users.rows, " users)"));
    }
    for (int c = 0; c < users.cols; ++c) {
      batch_factors(b, c) = users.data[users_batch[b] * users.stride + c];
    }
  }
  Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>> item_factors(
      items.data, items.rows, items.cols, Eigen::OuterStride<>(items.stride));
  Eigen::Map<RowMatrix> out(scores.data(), batch, items.rows);
  out.noalias() = batch_factors * item_factors.transpose();
  if (!item_bias.empty()) {
    Eigen::Map<const Eigen::RowVectorXf> bias(item_bias.data(), items.rows);
    out.rowwise() += bias;
  }
  return absl::OkStatus();
}

}  // namespace tailor
