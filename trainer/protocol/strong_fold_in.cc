#include "trainer/protocol/strong_fold_in.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "trainer/als/factor_matrix.h"
#include "trainer/als/implicit_als.h"
#include "trainer/eval/evaluate.h"
#include "trainer/eval/ranking.h"
#include "trainer/local/factor_scoring.h"
#include "trainer/local/recommender.h"
#include "trainer/local/spec_util.h"
#include "trainer/local/train_loop.h"

namespace tailor {
namespace {

bool IsMemoryBased(const std::string& a) {
  return a == "item_knn" || a == "user_knn" || a == "popularity";
}

// The implicit-ALS user step used to fold users in (see the header).
absl::StatusOr<IalsOptions> FoldInOptions(const tailor::v1::JobSpec& spec,
                                          int factors) {
  IalsOptions o;
  o.factors = factors;
  o.solver = IalsOptions::Solver::kCholesky;
  o.threads = static_cast<int>(spec.threads());
  o.seed = spec.seed();
  if (spec.algorithm() == "ials") {
    o.regularization = static_cast<float>(spec.regularization());
    o.alpha = static_cast<float>(spec.alpha());
    o.alpha0 = static_cast<float>(spec.alpha0());
    const std::string confidence = StringOption(spec, "confidence", "linear");
    o.confidence = confidence == "log" ? IalsOptions::Confidence::kLog
                                       : IalsOptions::Confidence::kLinear;
    TAILOR_ASSIGN_OR_RETURN(o.scale_reg_by_frequency,
                            BoolOption(spec, "scale_reg_by_frequency", false));
    TAILOR_ASSIGN_OR_RETURN(double nu, DoubleOption(spec, "reg_exponent", 1));
    o.reg_exponent = static_cast<float>(nu);
    TAILOR_ASSIGN_OR_RETURN(double eps, DoubleOption(spec, "log_epsilon", 1));
    o.log_epsilon = static_cast<float>(eps);
  } else {
    TAILOR_ASSIGN_OR_RETURN(double alpha,
                            DoubleOption(spec, "fold_in_alpha", spec.alpha()));
    TAILOR_ASSIGN_OR_RETURN(
        double reg,
        DoubleOption(spec, "fold_in_regularization", spec.regularization()));
    o.alpha = static_cast<float>(alpha);
    o.regularization = static_cast<float>(reg);
  }
  TAILOR_RETURN_IF_ERROR(ValidateIalsOptions(o));
  return o;
}

// The rows `users` of `m`, as a users.size() x m.cols matrix.
CsrMatrix SelectRows(const CsrMatrix& m, const std::vector<uint32_t>& users) {
  CsrMatrix out;
  out.rows = static_cast<int64_t>(users.size());
  out.cols = m.cols;
  for (uint32_t u : users) {
    out.indices.insert(out.indices.end(), m.indices.begin() + m.indptr[u],
                       m.indices.begin() + m.indptr[u + 1]);
    out.data.insert(out.data.end(), m.data.begin() + m.indptr[u],
                    m.data.begin() + m.indptr[u + 1]);
    out.indptr.push_back(out.nnz());
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Recommender>> Train(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Recommender> model,
                          CreateRecommender(spec, train, {}));
  if (model->iterative()) {
    TrainLoopOptions loop;
    loop.iterations = static_cast<int>(spec.iterations());
    TAILOR_RETURN_IF_ERROR(RunTrainLoop(*model, nullptr, loop).status());
  }
  return model;
}

}  // namespace

CsrMatrix AddDisjointRows(const CsrMatrix& a, const CsrMatrix& b) {
  CsrMatrix out;
  out.rows = a.rows;
  out.cols = a.cols;
  std::vector<std::pair<uint32_t, float>> row;
  for (int64_t r = 0; r < a.rows; ++r) {
    row.clear();
    for (const CsrMatrix* m : {&a, &b}) {
      for (int64_t p = m->indptr[r]; p < m->indptr[r + 1]; ++p) {
        row.emplace_back(m->indices[p], m->data[p]);
      }
    }
    std::sort(row.begin(), row.end());
    for (const auto& [c, v] : row) {
      out.indices.push_back(c);
      out.data.push_back(v);
    }
    out.indptr.push_back(out.nnz());
  }
  return out;
}

absl::StatusOr<std::map<std::string, double>> EvaluateStrongGeneralization(
    const tailor::v1::JobSpec& base, const CsrMatrix& train,
    const CsrMatrix& fold_in, const CsrMatrix& test, nlohmann::json& details) {
  tailor::v1::JobSpec spec = base;
  ApplyAlgorithmDefaults(spec);
  if (test.nnz() == 0) {
    return absl::InvalidArgumentError(
        "strong generalization: no held-out user has test entries (too few "
        "held-out users or entries per user)");
  }
  const std::vector<uint32_t> users = UsersWithEntries(test);
  std::unique_ptr<Recommender> model;
  BatchScorer scorer;
  // Kept alive for the scorer of factor models.
  auto folded = std::make_shared<FactorMatrix>();
  auto item_table = std::make_shared<FactorTable>();
  auto row_of = std::make_shared<std::vector<int64_t>>(train.rows, -1);
  if (IsMemoryBased(spec.algorithm())) {
    details["fold_in"] = "retrained on train plus the fold-in entries";
    TAILOR_ASSIGN_OR_RETURN(model,
                            Train(spec, AddDisjointRows(train, fold_in)));
    scorer = [&model](absl::Span<const uint32_t> u, absl::Span<float> s) {
      return model->Score(u, s);
    };
  } else {
    TAILOR_ASSIGN_OR_RETURN(model, Train(spec, train));
    ModelVersionContents contents;
    TAILOR_RETURN_IF_ERROR(model->Export({}, {}, contents));
    if (contents.item_factors == nullptr || contents.item_factors->dim() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("strong generalization: '", spec.algorithm(),
                       "' exports no item factors to fold users in against"));
    }
    *item_table = *contents.item_factors;
    const FactorMatrix items = FactorMatrix::FromDense(
        item_table->rows(), item_table->dim(), item_table->data().data());
    TAILOR_ASSIGN_OR_RETURN(IalsOptions options,
                            FoldInOptions(spec, items.cols()));
    const FactorMatrix gram = ComputeGram(items, options.threads);
    std::vector<uint32_t> heldout;
    for (int64_t u = 0; u < fold_in.rows; ++u) {
      if (fold_in.RowSize(u) > 0 || test.RowSize(u) > 0) {
        (*row_of)[u] = static_cast<int64_t>(heldout.size());
        heldout.push_back(static_cast<uint32_t>(u));
      }
    }
    TAILOR_ASSIGN_OR_RETURN(*folded, FoldInUsers(options, items, gram,
                                                 SelectRows(fold_in, heldout)));
    details["fold_in"] =
        "implicit-ALS user solve against the fixed item factors";
    auto items_view = std::make_shared<FactorMatrix>(items);
    scorer = [folded, items_view, item_table, row_of](
                 absl::Span<const uint32_t> batch,
                 absl::Span<float> scores) -> absl::Status {
      std::vector<uint32_t> rows(batch.size());
      for (size_t b = 0; b < batch.size(); ++b) {
        const int64_t r = (*row_of)[batch[b]];
        if (r < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("user ", batch[b], " was not folded in"));
        }
        rows[b] = static_cast<uint32_t>(r);
      }
      return ScoreByFactors(
          {folded->data(), folded->rows(), folded->cols(), folded->stride()},
          {items_view->data(), items_view->rows(), items_view->cols(),
           items_view->stride()},
          item_table->biases(), rows, scores);
    };
  }
  TopKOptions top;
  top.k = 100;
  top.exclude = &fold_in;
  TAILOR_ASSIGN_OR_RETURN(TopKLists lists,
                          RecommendTopK(scorer, test.cols, users, top));
  TopKEvalOptions eval;
  eval.ks = {20, 50, 100};
  eval.recall = RecallDenominator::kMinKAndRelevant;
  eval.train = &train;
  TAILOR_ASSIGN_OR_RETURN(EvalResult result, EvaluateTopK(lists, test, eval));
  details["users_evaluated"] = result.users_evaluated;
  return result.metrics;
}

}  // namespace tailor
