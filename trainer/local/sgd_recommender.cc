// The SGD-family adapter of Recommender (trainer/sgd): biased_mf, pmf, nmf,
// bpr, logistic.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/local/factor_scoring.h"
#include "trainer/local/recommender_impls.h"
#include "trainer/local/spec_util.h"
#include "trainer/sgd/sgd_options.h"
#include "trainer/sgd/sgd_trainer.h"

namespace tailor {
namespace {

class SgdRecommender final : public Recommender {
 public:
  SgdRecommender(std::unique_ptr<SgdTrainer> trainer, int64_t users,
                 int64_t items)
      : trainer_(std::move(trainer)), num_users_(users), num_items_(items) {}

  bool iterative() const override { return true; }

  absl::StatusOr<IterationResult> Iterate() override {
    TAILOR_ASSIGN_OR_RETURN(auto stats, trainer_->RunEpoch());
    IterationResult result;
    result.loss = stats.loss;
    result.seconds = stats.seconds;
    result.rows = stats.examples;
    return result;
  }

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    const SgdModel& m = trainer_->model();
    const int k = m.factors;
    return ScoreByFactors({m.user_factors.data(), num_users_, k, k},
                          {m.item_factors.data(), num_items_, k, k},
                          m.item_bias, users, scores);
  }

  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    for (size_t n = 0; n < users.size(); ++n) {
      if (users[n] >= num_users_ || items[n] >= num_items_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "pair (", users[n], ", ", items[n], ") is out of range"));
      }
      out[n] = trainer_->Predict(users[n], items[n]);
    }
    return absl::OkStatus();
  }

  absl::Status Export(absl::Span<const uint64_t> user_keys,
                      absl::Span<const uint64_t> item_keys,
                      ModelVersionContents& contents) override {
    const SgdModel& m = trainer_->model();
    users_ = MakeFactorTable(m.user_factors.data(), num_users_, m.factors,
                             m.factors, user_keys, m.user_bias);
    items_ = MakeFactorTable(m.item_factors.data(), num_items_, m.factors,
                             m.factors, item_keys, m.item_bias);
    contents.user_factors = &users_;
    contents.item_factors = &items_;
    contents.hyperparameters["global_mean"] = m.global_mean;
    return absl::OkStatus();
  }

  absl::Status Save(FileSystem* fs, const std::string& dir) const override {
    const SgdModel& m = trainer_->model();
    TAILOR_RETURN_IF_ERROR(WriteFactorTable(
        fs, JoinPath(dir, "users.tft"),
        MakeFactorTable(m.user_factors.data(), num_users_, m.factors, m.factors,
                        {}, m.user_bias)));
    TAILOR_RETURN_IF_ERROR(WriteStringToFile(
        fs, JoinPath(dir, "sgd_state.txt"),
        absl::StrCat(trainer_->epochs_done(), " ", m.global_mean, "\n")));
    return WriteFactorTable(
        fs, JoinPath(dir, "items.tft"),
        MakeFactorTable(m.item_factors.data(), num_items_, m.factors, m.factors,
                        {}, m.item_bias));
  }

  absl::Status Restore(FileSystem* fs, const std::string& dir) override {
    SgdModel& m = *trainer_->mutable_model();
    TAILOR_RETURN_IF_ERROR(Load(fs, JoinPath(dir, "users.tft"), num_users_,
                                m.factors, m.user_factors, m.user_bias));
    TAILOR_RETURN_IF_ERROR(Load(fs, JoinPath(dir, "items.tft"), num_items_,
                                m.factors, m.item_factors, m.item_bias));
    TAILOR_ASSIGN_OR_RETURN(
        std::string state,
        ReadFileToString(fs, JoinPath(dir, "sgd_state.txt")));
    int epochs = 0;
    if (std::sscanf(state.c_str(), "%d", &epochs) != 1 || epochs < 0) {
      return absl::DataLossError(
          absl::StrCat(JoinPath(dir, "sgd_state.txt"), ": malformed"));
    }
    trainer_->set_epochs_done(epochs);
    return absl::OkStatus();
  }

 private:
  static absl::Status Load(FileSystem* fs, const std::string& path,
                           int64_t rows, int k, std::vector<float>& factors,
                           std::vector<float>& biases) {
    TAILOR_ASSIGN_OR_RETURN(FactorTable table, ReadFactorTable(fs, path));
    if (table.rows() != rows || table.dim() != k ||
        table.biases().size() != biases.size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": checkpoint shape ", table.rows(), " x ", table.dim(),
          " differs from the model's ", rows, " x ", k));
    }
    factors.assign(table.data().begin(), table.data().end());
    biases = table.biases();
    return absl::OkStatus();
  }

  std::unique_ptr<SgdTrainer> trainer_;
  int64_t num_users_;
  int64_t num_items_;
  FactorTable users_;
  FactorTable items_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Recommender>> NewSgdRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train) {
  SgdOptions options;
  TAILOR_ASSIGN_OR_RETURN(options.algorithm,
                          ParseSgdAlgorithm(spec.algorithm()));
  options.factors = static_cast<int>(spec.factors());
  options.learning_rate = static_cast<float>(spec.learning_rate());
  options.reg_factors = static_cast<float>(spec.regularization());
  TAILOR_ASSIGN_OR_RETURN(
      double reg_bias, DoubleOption(spec, "reg_bias", spec.regularization()));
  options.reg_bias = static_cast<float>(reg_bias);
  TAILOR_ASSIGN_OR_RETURN(double bias_lr,
                          DoubleOption(spec, "bias_learning_rate", -1));
  options.bias_learning_rate = static_cast<float>(bias_lr);
  options.init_stddev = static_cast<float>(spec.init_stddev());
  options.epochs = static_cast<int>(spec.iterations());
  options.negatives = static_cast<int>(spec.negatives());
  TAILOR_ASSIGN_OR_RETURN(options.sampling, ParseNegativeSampling(StringOption(
                                                spec, "sampling", "uniform")));
  switch (spec.learning_rate_schedule()) {
    case tailor::v1::LEARNING_RATE_SCHEDULE_EXPONENTIAL:
      options.schedule.kind = LrSchedule::Kind::kExponential;
      options.schedule.gamma =
          static_cast<float>(1.0 - spec.learning_rate_decay());
      break;
    case tailor::v1::LEARNING_RATE_SCHEDULE_INVERSE_TIME:
      options.schedule.kind = LrSchedule::Kind::kInverse;
      options.schedule.decay = static_cast<float>(spec.learning_rate_decay());
      break;
    case tailor::v1::LEARNING_RATE_SCHEDULE_UNSPECIFIED:
    case tailor::v1::LEARNING_RATE_SCHEDULE_CONSTANT:
      break;
    default:
      return absl::InvalidArgumentError(
          "learning_rate_schedule is not supported by the SGD trainer");
  }
  options.seed = spec.seed();
  options.threads =
      spec.threads() > 0
          ? static_cast<int>(spec.threads())
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  TAILOR_ASSIGN_OR_RETURN(options.deterministic,
                          BoolOption(spec, "deterministic", true));
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<SgdTrainer> trainer,
                          SgdTrainer::Create(options, train));
  return std::make_unique<SgdRecommender>(std::move(trainer), train.rows,
                                          train.cols);
}

}  // namespace tailor
