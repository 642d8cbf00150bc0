// The implicit ALS adapter of Recommender (trainer/als).

#include <memory>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/als/ials_trainer.h"
#include "trainer/als/implicit_als.h"
#include "trainer/local/factor_scoring.h"
#include "trainer/local/recommender_impls.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

DenseFactors ViewOf(const FactorMatrix& m) {
  return {m.data(), m.rows(), m.cols(), m.stride()};
}

class IalsRecommender final : public Recommender {
 public:
  explicit IalsRecommender(std::unique_ptr<IalsTrainer> trainer)
      : trainer_(std::move(trainer)) {}

  bool iterative() const override { return true; }

  absl::StatusOr<IterationResult> Iterate() override {
    TAILOR_ASSIGN_OR_RETURN(auto stats, trainer_->RunEpoch());
    IterationResult result;
    result.loss = trainer_->Loss();
    result.seconds = stats.seconds;
    result.rows =
        trainer_->user_factors().rows() + trainer_->item_factors().rows();
    return result;
  }

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    return ScoreByFactors(ViewOf(trainer_->user_factors()),
                          ViewOf(trainer_->item_factors()), {}, users, scores);
  }

  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    const FactorMatrix& u = trainer_->user_factors();
    const FactorMatrix& v = trainer_->item_factors();
    for (size_t n = 0; n < users.size(); ++n) {
      if (users[n] >= u.rows() || items[n] >= v.rows()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pair (", users[n], ", ", items[n], ") is out of range"));
      }
      float dot = 0;
      for (int c = 0; c < u.cols(); ++c) {
        dot += u.row(users[n])[c] * v.row(items[n])[c];
      }
      out[n] = dot;
    }
    return absl::OkStatus();
  }

  absl::Status Export(absl::Span<const uint64_t> user_keys,
                      absl::Span<const uint64_t> item_keys,
                      ModelVersionContents& contents) override {
    const FactorMatrix& u = trainer_->user_factors();
    const FactorMatrix& v = trainer_->item_factors();
    users_ = MakeFactorTable(u.data(), u.rows(), u.cols(), u.stride(),
                             user_keys, {});
    items_ = MakeFactorTable(v.data(), v.rows(), v.cols(), v.stride(),
                             item_keys, {});
    contents.user_factors = &users_;
    contents.item_factors = &items_;
    return absl::OkStatus();
  }

  absl::Status Save(FileSystem* fs, const std::string& dir) const override {
    const FactorMatrix& u = trainer_->user_factors();
    const FactorMatrix& v = trainer_->item_factors();
    TAILOR_RETURN_IF_ERROR(WriteFactorTable(
        fs, JoinPath(dir, "users.tft"),
        MakeFactorTable(u.data(), u.rows(), u.cols(), u.stride(), {}, {})));
    return WriteFactorTable(
        fs, JoinPath(dir, "items.tft"),
        MakeFactorTable(v.data(), v.rows(), v.cols(), v.stride(), {}, {}));
  }

  absl::Status Restore(FileSystem* fs, const std::string& dir) override {
    TAILOR_RETURN_IF_ERROR(
        Load(fs, JoinPath(dir, "users.tft"), trainer_->mutable_user_factors()));
    return Load(fs, JoinPath(dir, "items.tft"),
                trainer_->mutable_item_factors());
  }

 private:
  static absl::Status Load(FileSystem* fs, const std::string& path,
                           FactorMatrix& into) {
    TAILOR_ASSIGN_OR_RETURN(FactorTable table, ReadFactorTable(fs, path));
    if (table.rows() != into.rows() || table.dim() != into.cols()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": checkpoint holds ", table.rows(), " x ", table.dim(),
          " factors but the model has ", into.rows(), " x ", into.cols()));
    }
    for (int64_t r = 0; r < table.rows(); ++r) {
      std::copy(table.Row(r), table.Row(r) + table.dim(), into.row(r));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<IalsTrainer> trainer_;
  FactorTable users_;
  FactorTable items_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Recommender>> NewIalsRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train) {
  IalsOptions options;
  options.factors = static_cast<int>(spec.factors());
  options.regularization = static_cast<float>(spec.regularization());
  options.alpha = static_cast<float>(spec.alpha());
  options.alpha0 = static_cast<float>(spec.alpha0());
  options.cg_steps = static_cast<int>(spec.cg_steps());
  options.solver = spec.solver() == tailor::v1::SOLVER_CHOLESKY
                       ? IalsOptions::Solver::kCholesky
                       : IalsOptions::Solver::kConjugateGradient;
  options.seed = spec.seed();
  options.threads = static_cast<int>(spec.threads());
  options.init_stddev = static_cast<float>(spec.init_stddev());
  const std::string confidence = StringOption(spec, "confidence", "linear");
  if (confidence == "log") {
    options.confidence = IalsOptions::Confidence::kLog;
  } else if (confidence != "linear") {
    return absl::InvalidArgumentError(absl::StrCat(
        "option confidence='", confidence, "' must be linear or log"));
  }
  TAILOR_ASSIGN_OR_RETURN(options.scale_reg_by_frequency,
                          BoolOption(spec, "scale_reg_by_frequency", false));
  TAILOR_ASSIGN_OR_RETURN(double nu, DoubleOption(spec, "reg_exponent", 1.0));
  options.reg_exponent = static_cast<float>(nu);
  TAILOR_ASSIGN_OR_RETURN(double eps, DoubleOption(spec, "log_epsilon", 1.0));
  options.log_epsilon = static_cast<float>(eps);
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<IalsTrainer> trainer,
                          IalsTrainer::Create(options, train));
  return std::make_unique<IalsRecommender>(std::move(trainer));
}

}  // namespace tailor
