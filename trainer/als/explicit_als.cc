#include "trainer/als/explicit_als.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "trainer/als/row_solver.h"

namespace tailor {
namespace {

double RegScale(const ExplicitAlsOptions& o, int64_t nnz) {
  return o.scale_reg_by_frequency ? std::pow(double(nnz), o.reg_exponent) : 1.0;
}

}  // namespace

ExplicitAlsTrainer::ExplicitAlsTrainer(const ExplicitAlsOptions& options,
                                       CsrMatrix ratings)
    : options_(options),
      dims_(options.factors + (options.use_biases ? 1 : 0)),
      user_items_(std::move(ratings)),
      item_users_(Transpose(user_items_)),
      users_(user_items_.rows, dims_),
      items_(user_items_.cols, dims_) {
  if (options.use_biases) {
    double sum = 0;
    for (float r : user_items_.data) sum += r;
    mean_ = static_cast<float>(sum / user_items_.nnz());
  }
  users_.FillRandomNormal(options.seed, options.init_stddev, options.threads);
  items_.FillRandomNormal(options.seed ^ 0x6974656d73ULL, options.init_stddev,
                          options.threads);
  if (options.use_biases) {  // biases start at zero
    for (int64_t u = 0; u < users_.rows(); ++u) users_.at(u, dims_ - 1) = 0;
    for (int64_t i = 0; i < items_.rows(); ++i) items_.at(i, dims_ - 1) = 0;
  }
}

absl::StatusOr<std::unique_ptr<ExplicitAlsTrainer>> ExplicitAlsTrainer::Create(
    const ExplicitAlsOptions& o, CsrMatrix ratings) {
  auto bad = [](auto... parts) {
    return absl::InvalidArgumentError(absl::StrCat("als: ", parts...));
  };
  if (o.factors < 1) return bad("factors must be >= 1, got ", o.factors);
  if (!(o.regularization >= 0) || !std::isfinite(o.regularization)) {
    return bad("regularization must be finite and >= 0, got ",
               o.regularization);
  }
  if (!(o.bias_regularization >= 0) || !std::isfinite(o.bias_regularization)) {
    return bad("bias_regularization must be finite and >= 0, got ",
               o.bias_regularization);
  }
  if (!std::isfinite(o.reg_exponent)) return bad("reg_exponent must be finite");
  if (o.solver == ExplicitAlsOptions::Solver::kConjugateGradient &&
      o.cg_steps < 1) {
    return bad("cg_steps must be >= 1, got ", o.cg_steps);
  }
  if (!(o.init_stddev >= 0) || !std::isfinite(o.init_stddev)) {
    return bad("init_stddev must be finite and >= 0");
  }
  if (absl::Status s = ValidateCsr(ratings); !s.ok()) {
    return bad("bad rating matrix: ", s.message());
  }
  if (ratings.rows == 0 || ratings.cols == 0 || ratings.nnz() == 0) {
    return bad("empty rating matrix (", ratings.rows, " users, ", ratings.cols,
               " items, ", ratings.nnz(), " ratings)");
  }
  return std::unique_ptr<ExplicitAlsTrainer>(
      new ExplicitAlsTrainer(o, std::move(ratings)));
}

absl::Status ExplicitAlsTrainer::Solve(const CsrMatrix& rows,
                                       const FactorMatrix& other,
                                       FactorMatrix& solved, const char* step) {
  const int k = options_.factors;
  // With biases the fixed side is [y_i, 1] and the target r - mu - b_i.
  FactorMatrix fixed_copy;
  std::vector<float> other_bias;
  const FactorMatrix* fixed = &other;
  if (options_.use_biases) {
    fixed_copy = other;
    other_bias.resize(other.rows());
    for (int64_t i = 0; i < other.rows(); ++i) {
      other_bias[i] = other.at(i, k);
      fixed_copy.at(i, k) = 1.0f;
    }
    fixed = &fixed_copy;
  }
  std::vector<float> reg_diag(solved.stride(), 0.0f);
  for (int c = 0; c < k; ++c) reg_diag[c] = options_.regularization;
  if (options_.use_biases) reg_diag[k] = options_.bias_regularization;
  als_internal::RowProblem pr;
  pr.rows = &rows;
  pr.row_begin = 0;
  pr.row_end = rows.rows;
  pr.fixed = fixed;
  pr.gram_scale = 0.0f;
  pr.kind = als_internal::EntryKind::kExplicit;
  pr.target_offset = mean_;
  pr.other_bias = options_.use_biases ? other_bias.data() : nullptr;
  pr.reg_diag = reg_diag.data();
  pr.scale_by_frequency = options_.scale_reg_by_frequency;
  pr.reg_exponent = options_.reg_exponent;
  pr.solver = options_.solver == ExplicitAlsOptions::Solver::kCholesky
                  ? als_internal::RowSolver::kCholesky
                  : als_internal::RowSolver::kConjugateGradient;
  pr.cg_steps = options_.cg_steps;
  pr.threads = options_.threads;
  return als_internal::SolveRows(pr, solved, step, nullptr);
}

absl::Status ExplicitAlsTrainer::SolveUsers() {
  return Solve(user_items_, items_, users_, "user step");
}
absl::Status ExplicitAlsTrainer::SolveItems() {
  return Solve(item_users_, users_, items_, "item step");
}
absl::Status ExplicitAlsTrainer::RunEpoch() {
  if (absl::Status s = SolveUsers(); !s.ok()) return s;
  return SolveItems();
}

double ExplicitAlsTrainer::Predict(int64_t u, int64_t i) const {
  const int k = options_.factors;
  double p = mean_;
  for (int c = 0; c < k; ++c) p += double(users_.at(u, c)) * items_.at(i, c);
  if (options_.use_biases) p += users_.at(u, k) + items_.at(i, k);
  return p;
}

double ExplicitAlsTrainer::Loss() const {
  const int k = options_.factors;
  const float lb = options_.bias_regularization;
  double loss = 0;
  for (int64_t u = 0; u < user_items_.rows; ++u) {
    for (int64_t e = user_items_.indptr[u]; e < user_items_.indptr[u + 1];
         ++e) {
      const double d = user_items_.data[e] - Predict(u, user_items_.indices[e]);
      loss += d * d;
    }
  }
  auto reg = [&](const FactorMatrix& f, const CsrMatrix& m) {
    double total = 0;
    for (int64_t r = 0; r < f.rows(); ++r) {
      double sq = 0;
      for (int c = 0; c < k; ++c) sq += double(f.at(r, c)) * f.at(r, c);
      double term = options_.regularization * sq;
      if (options_.use_biases) term += lb * double(f.at(r, k)) * f.at(r, k);
      total += RegScale(options_, m.RowSize(r)) * term;
    }
    return total;
  };
  return loss + reg(users_, user_items_) + reg(items_, item_users_);
}

FactorMatrix ExplicitAlsTrainer::UserFactors() const {
  FactorMatrix f(users_.rows(), options_.factors);
  for (int64_t r = 0; r < f.rows(); ++r) {
    for (int c = 0; c < f.cols(); ++c) f.at(r, c) = users_.at(r, c);
  }
  return f;
}
FactorMatrix ExplicitAlsTrainer::ItemFactors() const {
  FactorMatrix f(items_.rows(), options_.factors);
  for (int64_t r = 0; r < f.rows(); ++r) {
    for (int c = 0; c < f.cols(); ++c) f.at(r, c) = items_.at(r, c);
  }
  return f;
}
std::vector<float> ExplicitAlsTrainer::UserBiases() const {
  std::vector<float> b(users_.rows(), 0.0f);
  if (options_.use_biases) {
    for (int64_t r = 0; r < users_.rows(); ++r) b[r] = users_.at(r, dims_ - 1);
  }
  return b;
}
std::vector<float> ExplicitAlsTrainer::ItemBiases() const {
  std::vector<float> b(items_.rows(), 0.0f);
  if (options_.use_biases) {
    for (int64_t r = 0; r < items_.rows(); ++r) b[r] = items_.at(r, dims_ - 1);
  }
  return b;
}

}  // namespace tailor
