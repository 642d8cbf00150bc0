// The explicit ALS (ratings, with biases) adapter of Recommender.

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/status_macros.h"
#include "trainer/als/explicit_als.h"
#include "trainer/local/factor_scoring.h"
#include "trainer/local/recommender_impls.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

class ExplicitAlsRecommender final : public Recommender {
 public:
  explicit ExplicitAlsRecommender(std::unique_ptr<ExplicitAlsTrainer> trainer)
      : trainer_(std::move(trainer)) {
    Snapshot();
  }

  bool iterative() const override { return true; }

  absl::StatusOr<IterationResult> Iterate() override {
    const absl::Time start = absl::Now();
    TAILOR_RETURN_IF_ERROR(trainer_->RunEpoch());
    Snapshot();
    IterationResult result;
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    result.loss = trainer_->Loss();
    result.rows = users_.rows() + items_.rows();
    return result;
  }

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    return ScoreByFactors(
        {users_.data(), users_.rows(), users_.cols(), users_.stride()},
        {items_.data(), items_.rows(), items_.cols(), items_.stride()},
        item_bias_, users, scores);
  }

  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    for (size_t n = 0; n < users.size(); ++n) {
      if (users[n] >= users_.rows() || items[n] >= items_.rows()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pair (", users[n], ", ", items[n], ") is out of range"));
      }
      out[n] = static_cast<float>(trainer_->Predict(users[n], items[n]));
    }
    return absl::OkStatus();
  }

  absl::Status Export(absl::Span<const uint64_t> user_keys,
                      absl::Span<const uint64_t> item_keys,
                      ModelVersionContents& contents) override {
    user_table_ = MakeFactorTable(users_.data(), users_.rows(), users_.cols(),
                                  users_.stride(), user_keys, user_bias_);
    item_table_ = MakeFactorTable(items_.data(), items_.rows(), items_.cols(),
                                  items_.stride(), item_keys, item_bias_);
    contents.user_factors = &user_table_;
    contents.item_factors = &item_table_;
    contents.hyperparameters["global_mean"] = trainer_->global_mean();
    return absl::OkStatus();
  }

  absl::Status Save(FileSystem* fs, const std::string& dir) const override {
    TAILOR_RETURN_IF_ERROR(WriteFactorTable(
        fs, JoinPath(dir, "users.tft"),
        MakeFactorTable(users_.data(), users_.rows(), users_.cols(),
                        users_.stride(), {}, user_bias_)));
    return WriteFactorTable(
        fs, JoinPath(dir, "items.tft"),
        MakeFactorTable(items_.data(), items_.rows(), items_.cols(),
                        items_.stride(), {}, item_bias_));
  }

  absl::Status Restore(FileSystem*, const std::string& dir) override {
    return absl::UnimplementedError(
        absl::StrCat("explicit ALS cannot resume from a checkpoint yet (", dir,
                     "); rerun without --resume"));
  }

 private:
  void Snapshot() {
    users_ = trainer_->UserFactors();
    items_ = trainer_->ItemFactors();
    user_bias_ = trainer_->UserBiases();
    item_bias_ = trainer_->ItemBiases();
  }

  std::unique_ptr<ExplicitAlsTrainer> trainer_;
  FactorMatrix users_, items_;
  std::vector<float> user_bias_, item_bias_;
  FactorTable user_table_, item_table_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Recommender>> NewExplicitAlsRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train) {
  ExplicitAlsOptions options;
  options.factors = static_cast<int>(spec.factors());
  options.regularization = static_cast<float>(spec.regularization());
  TAILOR_ASSIGN_OR_RETURN(
      double bias_reg, DoubleOption(spec, "reg_bias", spec.regularization()));
  options.bias_regularization = static_cast<float>(bias_reg);
  TAILOR_ASSIGN_OR_RETURN(options.use_biases,
                          BoolOption(spec, "use_biases", true));
  TAILOR_ASSIGN_OR_RETURN(options.scale_reg_by_frequency,
                          BoolOption(spec, "scale_reg_by_frequency", false));
  TAILOR_ASSIGN_OR_RETURN(double nu, DoubleOption(spec, "reg_exponent", 1.0));
  options.reg_exponent = static_cast<float>(nu);
  options.solver = spec.solver() == tailor::v1::SOLVER_CG
                       ? ExplicitAlsOptions::Solver::kConjugateGradient
                       : ExplicitAlsOptions::Solver::kCholesky;
  options.cg_steps = static_cast<int>(spec.cg_steps());
  options.seed = spec.seed();
  options.threads = static_cast<int>(spec.threads());
  TAILOR_ASSIGN_OR_RETURN(
      double stddev, DoubleOption(spec, "init_stddev_als", spec.init_stddev()));
  options.init_stddev = static_cast<float>(stddev);
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<ExplicitAlsTrainer> trainer,
                          ExplicitAlsTrainer::Create(options, train));
  return std::make_unique<ExplicitAlsRecommender>(std::move(trainer));
}

}  // namespace tailor
