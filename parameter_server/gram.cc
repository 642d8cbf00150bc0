#include "parameter_server/gram.h"

#include <algorithm>

#include "Eigen/Core"

namespace tailor {
namespace {

// Rows per rank update: up to 1024, at most 2 MiB of doubles per block.
int BlockRows(int dim) { return std::max(16, std::min(1024, (1 << 18) / dim)); }

using RowMajor =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

GramAccumulator::GramAccumulator(int dim)
    : dim_(dim),
      block_rows_(BlockRows(dim)),
      buffer_(static_cast<size_t>(block_rows_) * dim),
      upper_(static_cast<size_t>(dim) * dim, 0.0),
      row_sum_(dim, 0.0) {}

void GramAccumulator::AddRow(const float* row) {
  double* out = buffer_.data() + static_cast<size_t>(buffered_) * dim_;
  for (int c = 0; c < dim_; ++c) {
    out[c] = row[c];
    row_sum_[c] += row[c];
  }
  ++rows_;
  if (++buffered_ == block_rows_) Flush();
}

void GramAccumulator::Flush() {
  if (buffered_ == 0) return;
  Eigen::Map<const RowMajor> block(buffer_.data(), buffered_, dim_);
  Eigen::Map<RowMajor> g(upper_.data(), dim_, dim_);
  g.selfadjointView<Eigen::Upper>().rankUpdate(block.transpose());
  buffered_ = 0;
}

const std::vector<double>& GramAccumulator::Full() {
  Flush();
  full_.assign(upper_.size(), 0.0);
  for (int i = 0; i < dim_; ++i) {
    for (int j = i; j < dim_; ++j) {
      const double v = upper_[static_cast<size_t>(i) * dim_ + j];
      full_[static_cast<size_t>(i) * dim_ + j] = v;
      full_[static_cast<size_t>(j) * dim_ + i] = v;
    }
  }
  return full_;
}

std::vector<double> UpperTriangle(const std::vector<double>& full, int dim) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(dim) * (dim + 1) / 2);
  for (int i = 0; i < dim; ++i) {
    for (int j = i; j < dim; ++j) {
      out.push_back(full[static_cast<size_t>(i) * dim + j]);
    }
  }
  return out;
}

}  // namespace tailor
