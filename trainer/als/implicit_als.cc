#include "trainer/als/implicit_als.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "trainer/als/row_solver.h"

namespace tailor {
namespace {

using als_internal::RowProblem;

int ResolveThreads(int threads) {
  return threads > 0 ? threads : omp_get_max_threads();
}

// Weight on unobserved entries (g) and what is subtracted from c to get the
// per-entry weight w (see docs/algorithms/als.md).
float GramScale(const IalsOptions& o) { return o.alpha0 > 0 ? o.alpha0 : 1.0f; }
float WeightOffset(const IalsOptions& o) { return o.alpha0 > 0 ? 0.0f : 1.0f; }

float Confidence(const IalsOptions& o, float r) {
  return o.confidence == IalsOptions::Confidence::kLinear
             ? 1.0f + o.alpha * r
             : 1.0f + o.alpha * std::log1p(r / o.log_epsilon);
}

float RegScale(const IalsOptions& o, int64_t nnz, int64_t other_side) {
  if (!o.scale_reg_by_frequency) return 1.0f;
  return std::pow(static_cast<float>(nnz) + o.alpha0 * other_side,
                  o.reg_exponent);
}

}  // namespace

absl::Status ValidateIalsOptions(const IalsOptions& o) {
  auto bad = [](auto... parts) {
    return absl::InvalidArgumentError(absl::StrCat("ials options: ", parts...));
  };
  if (o.factors < 1) return bad("factors must be >= 1, got ", o.factors);
  if (!(o.regularization >= 0) || !std::isfinite(o.regularization)) {
    return bad("regularization must be finite and >= 0, got ",
               o.regularization);
  }
  if (!(o.alpha >= 0) || !std::isfinite(o.alpha)) {
    return bad("alpha must be finite and >= 0, got ", o.alpha);
  }
  if (!(o.alpha0 >= 0) || !std::isfinite(o.alpha0)) {
    return bad("alpha0 must be finite and >= 0, got ", o.alpha0);
  }
  if (!(o.log_epsilon > 0) || !std::isfinite(o.log_epsilon)) {
    return bad("log_epsilon must be finite and > 0, got ", o.log_epsilon);
  }
  if (!std::isfinite(o.reg_exponent)) return bad("reg_exponent must be finite");
  if (o.solver == IalsOptions::Solver::kConjugateGradient && o.cg_steps < 1) {
    return bad("cg_steps must be >= 1, got ", o.cg_steps);
  }
  if (!(o.init_stddev >= 0) || !std::isfinite(o.init_stddev)) {
    return bad("init_stddev must be finite and >= 0, got ", o.init_stddev);
  }
  return absl::OkStatus();
}

absl::Status SolveImplicitRows(const IalsOptions& options,
                               const CsrMatrix& rows, int64_t row_begin,
                               int64_t row_end, const FactorMatrix& fixed,
                               const FactorMatrix& fixed_gram,
                               FactorMatrix& solved, const char* step,
                               HalfStepStats* stats) {
  if (absl::Status s = ValidateIalsOptions(options); !s.ok()) return s;
  if (solved.cols() != options.factors) {
    return absl::InvalidArgumentError(
        absl::StrCat(step, ": solved factors have ", solved.cols(),
                     " columns, options say ", options.factors));
  }
  std::vector<float> reg_diag(solved.stride(), 0.0f);
  for (int c = 0; c < solved.cols(); ++c) reg_diag[c] = options.regularization;
  RowProblem pr;
  pr.rows = &rows;
  pr.row_begin = row_begin;
  pr.row_end = row_end;
  pr.fixed = &fixed;
  pr.gram = &fixed_gram;
  pr.gram_scale = GramScale(options);
  pr.kind = options.confidence == IalsOptions::Confidence::kLinear
                ? als_internal::EntryKind::kImplicitLinear
                : als_internal::EntryKind::kImplicitLog;
  pr.alpha = options.alpha;
  pr.log_epsilon = options.log_epsilon;
  pr.weight_offset = WeightOffset(options);
  pr.reg_diag = reg_diag.data();
  pr.scale_by_frequency = options.scale_reg_by_frequency;
  pr.reg_exponent = options.reg_exponent;
  pr.frequency_offset = options.alpha0 * static_cast<float>(rows.cols);
  pr.solver = options.solver == IalsOptions::Solver::kCholesky
                  ? als_internal::RowSolver::kCholesky
                  : als_internal::RowSolver::kConjugateGradient;
  pr.cg_steps = options.cg_steps;
  pr.threads = options.threads;
  pr.isa = options.isa == IalsOptions::Isa::kAvx2
               ? als_internal::KernelIsa::kAvx2
           : options.isa == IalsOptions::Isa::kAvx512
               ? als_internal::KernelIsa::kAvx512
               : als_internal::KernelIsa::kAuto;
  std::vector<uint16_t> fixed_half;
  if (options.cg_fp16_fixed &&
      options.solver == IalsOptions::Solver::kConjugateGradient) {
    if (absl::Status s =
            als_internal::MakeHalfCopy(fixed, options.threads, fixed_half);
        !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(step, ": ", s.message()));
    }
    pr.fixed_half = fixed_half.data();
  }
  als_internal::RowSolveStats rs;
  absl::Status status = SolveRows(pr, solved, step, &rs);
  if (stats != nullptr) {
    stats->rows += rs.rows;
    stats->nnz += rs.nnz;
    stats->flops += rs.flops;
    stats->bytes += rs.bytes;
  }
  return status;
}

absl::StatusOr<double> ImplicitLoss(const IalsOptions& o,
                                    const CsrMatrix& user_items,
                                    const FactorMatrix& users,
                                    const FactorMatrix& items) {
  if (users.rows() != user_items.rows || items.rows() != user_items.cols ||
      users.cols() != items.cols()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loss: factors ", users.rows(), " x ", users.cols(), " and ",
        items.rows(), " x ", items.cols(), " do not fit a ", user_items.rows,
        " x ", user_items.cols, " matrix"));
  }
  const int threads = ResolveThreads(o.threads);
  const float g = GramScale(o), offset = WeightOffset(o);
  const int k = users.cols();
  std::vector<int64_t> item_count(user_items.cols, 0);
  for (uint32_t c : user_items.indices) ++item_count[c];
  double observed = 0, reg = 0;
#pragma omp parallel for schedule(dynamic, 256) num_threads(threads) \
    reduction(+ : observed, reg)
  for (int64_t u = 0; u < user_items.rows; ++u) {
    const float* x = users.row(u);
    double sq = 0;
    for (int c = 0; c < k; ++c) sq += double(x[c]) * x[c];
    reg += RegScale(o, user_items.RowSize(u), user_items.cols) * sq;
    for (int64_t e = user_items.indptr[u]; e < user_items.indptr[u + 1]; ++e) {
      const float r = user_items.data[e];
      const float* y = items.row(user_items.indices[e]);
      double s = 0;
      for (int c = 0; c < k; ++c) s += double(x[c]) * y[c];
      const double c = Confidence(o, r), p = r > 0 ? 1.0 : 0.0;
      observed += c * p * p - 2 * c * p * s + (c - offset) * s * s;
    }
  }
  for (int64_t i = 0; i < items.rows(); ++i) {
    const float* y = items.row(i);
    double sq = 0;
    for (int c = 0; c < k; ++c) sq += double(y[c]) * y[c];
    reg += RegScale(o, item_count[i], user_items.rows) * sq;
  }
  const FactorMatrix uu = ComputeGram(users, threads);
  const FactorMatrix vv = ComputeGram(items, threads);
  double trace = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) trace += double(uu.at(i, j)) * vv.at(i, j);
  }
  return observed + g * trace + o.regularization * reg;
}

absl::StatusOr<FactorMatrix> FoldInUsers(const IalsOptions& options,
                                         const FactorMatrix& items,
                                         const FactorMatrix& item_gram,
                                         const CsrMatrix& user_items) {
  if (items.cols() != options.factors) {
    return absl::InvalidArgumentError(
        absl::StrCat("fold-in: item factors have ", items.cols(),
                     " columns, options say ", options.factors));
  }
  if (user_items.cols > items.rows()) {
    return absl::InvalidArgumentError(
        absl::StrCat("fold-in: interactions reference ", user_items.cols,
                     " items, the model has ", items.rows()));
  }
  for (float v : user_items.data) {
    if (!std::isfinite(v) || v < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fold-in: interaction values must be finite and >= 0, got ", v));
    }
  }
  IalsOptions exact = options;
  exact.solver = IalsOptions::Solver::kCholesky;
  FactorMatrix users(user_items.rows, options.factors);
  if (absl::Status s = SolveImplicitRows(exact, user_items, 0, user_items.rows,
                                         items, item_gram, users, "fold-in");
      !s.ok()) {
    return s;
  }
  return users;
}

absl::StatusOr<std::vector<float>> FoldInUser(
    const IalsOptions& options, const FactorMatrix& items,
    const FactorMatrix& item_gram, absl::Span<const uint32_t> item_ids,
    absl::Span<const float> values) {
  if (item_ids.size() != values.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fold-in: ", item_ids.size(), " items but ", values.size(), " values"));
  }
  std::vector<std::pair<uint32_t, float>> entries;
  for (size_t i = 0; i < item_ids.size(); ++i) {
    if (item_ids[i] >= items.rows()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fold-in: item ", item_ids[i], " is not in the model (",
                       items.rows(), " items)"));
    }
    entries.emplace_back(item_ids[i], values[i]);
  }
  std::sort(entries.begin(), entries.end());
  CsrMatrix one;
  one.rows = 1;
  one.cols = items.rows();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].first == entries[i - 1].first) {
      return absl::InvalidArgumentError(
          absl::StrCat("fold-in: item ", entries[i].first, " given twice"));
    }
    one.indices.push_back(entries[i].first);
    one.data.push_back(entries[i].second);
  }
  one.indptr = {0, static_cast<int64_t>(entries.size())};
  IalsOptions single = options;
  single.threads = 1;
  absl::StatusOr<FactorMatrix> f = FoldInUsers(single, items, item_gram, one);
  if (!f.ok()) return f.status();
  absl::Span<const float> row = f->Row(0);
  return std::vector<float>(row.begin(), row.end());
}

}  // namespace tailor
