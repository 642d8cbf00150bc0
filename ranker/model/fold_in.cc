#include "ranker/model/fold_in.h"

#include <cmath>

#include "Eigen/Dense"
#include "absl/strings/str_cat.h"

namespace tailor::ranker {

absl::StatusOr<std::unique_ptr<FoldInSolver>> FoldInSolver::Create(
    const FoldInOptions& o, const float* items, int64_t rows, int dim) {
  if (!(o.regularization >= 0) || !(o.alpha >= 0) || !(o.alpha0 >= 0) ||
      !std::isfinite(o.regularization) || !std::isfinite(o.alpha) ||
      !std::isfinite(o.alpha0)) {
    return absl::InvalidArgumentError(
        "fold-in regularization, alpha and alpha0 must be finite and >= 0");
  }
  if (dim <= 0 || rows < 0 || (rows > 0 && items == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fold-in needs item factors; got ", rows, " x ", dim));
  }
  std::unique_ptr<FoldInSolver> s(new FoldInSolver(o, items, rows, dim));
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic,
                                 Eigen::RowMajor>>
      y(items, rows, dim);
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(dim, dim);
  constexpr int64_t kBlock = 4096;
  for (int64_t r = 0; r < rows; r += kBlock) {
    const int64_t n = std::min(kBlock, rows - r);
    Eigen::MatrixXd block = y.middleRows(r, n).cast<double>();
    g.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  }
  g = g.selfadjointView<Eigen::Lower>();
  const double scale = o.alpha0 > 0 ? o.alpha0 : 1.0;
  g *= scale;
  g.diagonal().array() += o.regularization;
  s->gram_.assign(g.data(), g.data() + dim * dim);
  return s;
}

absl::StatusOr<std::vector<float>> FoldInSolver::Solve(
    absl::Span<const int64_t> rows, absl::Span<const float> values) const {
  if (rows.size() != values.size()) {
    return absl::InvalidArgumentError(
        "fold-in: rows and values differ in size");
  }
  std::vector<float> x(dim_, 0.0f);
  if (rows.empty()) return x;
  Eigen::MatrixXd a =
      Eigen::Map<const Eigen::MatrixXd>(gram_.data(), dim_, dim_);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(dim_);
  for (size_t j = 0; j < rows.size(); ++j) {
    if (rows[j] < 0 || rows[j] >= rows_ || !(values[j] > 0) ||
        !std::isfinite(values[j])) {
      return absl::InvalidArgumentError(
          absl::StrCat("fold-in: entry ", j, " has row ", rows[j], " or value ",
                       values[j], " out of range"));
    }
    Eigen::Map<const Eigen::VectorXf> yf(items_ + rows[j] * dim_, dim_);
    const Eigen::VectorXd y = yf.cast<double>();
    const double c = 1.0 + static_cast<double>(options_.alpha) * values[j];
    const double w = options_.alpha0 > 0 ? c : c - 1.0;
    a.selfadjointView<Eigen::Lower>().rankUpdate(y, w);
    b += c * y;
  }
  Eigen::LLT<Eigen::MatrixXd> llt(a.selfadjointView<Eigen::Lower>());
  if (llt.info() != Eigen::Success) {
    return absl::InternalError(
        "fold-in: the system is not positive definite (regularization 0?)");
  }
  const Eigen::VectorXd sol = llt.solve(b);
  for (int k = 0; k < dim_; ++k) {
    if (!std::isfinite(sol[k])) {
      return absl::InternalError("fold-in: non-finite solution");
    }
    x[k] = static_cast<float>(sol[k]);
  }
  return x;
}

}  // namespace tailor::ranker
