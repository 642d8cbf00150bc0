#include "trainer/distributed/job_setup.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/eval/stratified_split.h"
#include "trainer/local/interactions.h"
#include "trainer/local/spec_util.h"

namespace tailor::distributed {
namespace {

absl::Status FieldError(const std::string& field, const std::string& rule,
                        const std::string& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("job spec field '", field, "': ", rule, ", got ", got));
}

}  // namespace

absl::StatusOr<DistributedJob> ValidateDistributedJob(tailor::v1::JobSpec spec,
                                                      int num_workers) {
  if (num_workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("number of workers must be >= 1, got ", num_workers));
  }
  if (spec.dataset_dir().empty()) {
    return FieldError("dataset_dir", "required", "an empty string");
  }
  const std::string& a = spec.algorithm();
  DistributedJob job;
  if (a == "ials") {
    job.als = true;
  } else if (a == "biased_mf" || a == "pmf" || a == "nmf" || a == "bpr" ||
             a == "logistic") {
    TAILOR_ASSIGN_OR_RETURN(job.sgd_algorithm, ParseSgdAlgorithm(a));
  } else {
    return FieldError("algorithm",
                      "distributed training supports ials, biased_mf, pmf, "
                      "nmf, bpr and logistic",
                      absl::StrCat("'", a, "'"));
  }
  ApplyAlgorithmDefaults(spec);
  if (spec.factors() < 1 || spec.factors() > 4096) {
    return FieldError("factors", "must be in 1..4096",
                      absl::StrCat(spec.factors()));
  }
  if (spec.iterations() < 1) {
    return FieldError("iterations", "must be >= 1",
                      absl::StrCat(spec.iterations()));
  }
  if (!(spec.regularization() >= 0) || !std::isfinite(spec.regularization())) {
    return FieldError("regularization", "must be finite and >= 0",
                      absl::StrCat(spec.regularization()));
  }
  if (!job.als && !(spec.learning_rate() > 0)) {
    return FieldError("learning_rate", "must be > 0",
                      absl::StrCat(spec.learning_rate()));
  }
  if (spec.consistency() == tailor::v1::CONSISTENCY_MODE_BOUNDED_STALENESS) {
    return FieldError("consistency",
                      "distributed training runs synchronously only",
                      "CONSISTENCY_MODE_BOUNDED_STALENESS");
  }
  const int partitions = spec.partitions() == 0
                             ? num_workers
                             : static_cast<int>(spec.partitions());
  if (partitions < num_workers) {
    return FieldError("partitions",
                      absl::StrCat("must be >= the number of workers (",
                                   num_workers, ") or 0"),
                      absl::StrCat(spec.partitions()));
  }
  job.num_partitions = partitions;
  job.ratings = a == "biased_mf" || a == "pmf" || a == "nmf";
  const tailor::v1::EvaluationSpec& e = spec.evaluation();
  switch (e.protocol()) {
    case tailor::v1::EVAL_PROTOCOL_UNSPECIFIED:
      break;
    case tailor::v1::EVAL_PROTOCOL_STRATIFIED_RANDOM:
    case tailor::v1::EVAL_PROTOCOL_KFOLD_RATINGS:
      job.evaluate = true;
      break;
    default:
      return FieldError("evaluation.protocol",
                        "distributed training evaluates on a stratified "
                        "random split (EVAL_PROTOCOL_STRATIFIED_RANDOM or "
                        "EVAL_PROTOCOL_KFOLD_RATINGS)",
                        tailor::v1::EvalProtocol_Name(e.protocol()));
  }
  if (e.test_fraction() != 0) {
    if (!(e.test_fraction() > 0 && e.test_fraction() < 1)) {
      return FieldError("evaluation.test_fraction", "must be in (0, 1)",
                        absl::StrCat(e.test_fraction()));
    }
    job.test_fraction = e.test_fraction();
  }
  job.split_seed = e.split_seed() != 0 ? e.split_seed() : spec.seed();
  job.eval_k = e.k() > 0 ? static_cast<int>(e.k()) : 10;
  job.eval_every =
      e.every_iterations() > 0 ? static_cast<int>(e.every_iterations()) : 1;
  job.metric = !e.metric().empty() ? e.metric()
               : job.ratings       ? "rmse"
                                   : absl::StrCat("ndcg@", job.eval_k);
  job.spec = std::move(spec);
  if (job.als) {
    TAILOR_RETURN_IF_ERROR(IalsOptionsFromJob(job, 1).status());
  } else {
    TAILOR_RETURN_IF_ERROR(SgdOptionsFromJob(job, 1).status());
  }
  return job;
}

absl::StatusOr<IalsOptions> IalsOptionsFromJob(const DistributedJob& job,
                                               int threads) {
  const tailor::v1::JobSpec& spec = job.spec;
  IalsOptions o;
  o.factors = static_cast<int>(spec.factors());
  o.regularization = static_cast<float>(spec.regularization());
  o.alpha = static_cast<float>(spec.alpha());
  o.alpha0 = static_cast<float>(spec.alpha0());
  o.cg_steps = static_cast<int>(spec.cg_steps());
  o.solver = spec.solver() == tailor::v1::SOLVER_CHOLESKY
                 ? IalsOptions::Solver::kCholesky
                 : IalsOptions::Solver::kConjugateGradient;
  o.seed = spec.seed();
  o.threads = threads;
  o.init_stddev = static_cast<float>(spec.init_stddev());
  const std::string confidence = StringOption(spec, "confidence", "linear");
  if (confidence == "log") {
    o.confidence = IalsOptions::Confidence::kLog;
  } else if (confidence != "linear") {
    return absl::InvalidArgumentError(absl::StrCat(
        "job spec option confidence='", confidence, "' must be linear or log"));
  }
  TAILOR_ASSIGN_OR_RETURN(o.scale_reg_by_frequency,
                          BoolOption(spec, "scale_reg_by_frequency", false));
  TAILOR_ASSIGN_OR_RETURN(double nu, DoubleOption(spec, "reg_exponent", 1.0));
  o.reg_exponent = static_cast<float>(nu);
  TAILOR_ASSIGN_OR_RETURN(double eps, DoubleOption(spec, "log_epsilon", 1.0));
  o.log_epsilon = static_cast<float>(eps);
  if (absl::Status s = ValidateIalsOptions(o); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("job spec: ", s.message()));
  }
  return o;
}

absl::StatusOr<SgdOptions> SgdOptionsFromJob(const DistributedJob& job,
                                             int threads) {
  const tailor::v1::JobSpec& spec = job.spec;
  SgdOptions o;
  o.algorithm = job.sgd_algorithm;
  o.factors = static_cast<int>(spec.factors());
  o.learning_rate = static_cast<float>(spec.learning_rate());
  o.reg_factors = static_cast<float>(spec.regularization());
  TAILOR_ASSIGN_OR_RETURN(
      double reg_bias, DoubleOption(spec, "reg_bias", spec.regularization()));
  o.reg_bias = static_cast<float>(reg_bias);
  TAILOR_ASSIGN_OR_RETURN(double bias_lr,
                          DoubleOption(spec, "bias_learning_rate", -1));
  o.bias_learning_rate = static_cast<float>(bias_lr);
  o.init_stddev = static_cast<float>(spec.init_stddev());
  o.epochs = static_cast<int>(spec.iterations());
  o.negatives = static_cast<int>(spec.negatives());
  const std::string sampling = StringOption(spec, "sampling", "uniform");
  if (sampling != "uniform") {
    return absl::InvalidArgumentError(absl::StrCat(
        "job spec option sampling='", sampling,
        "': distributed training samples negatives uniformly only"));
  }
  switch (spec.learning_rate_schedule()) {
    case tailor::v1::LEARNING_RATE_SCHEDULE_EXPONENTIAL:
      o.schedule.kind = LrSchedule::Kind::kExponential;
      o.schedule.gamma = static_cast<float>(1.0 - spec.learning_rate_decay());
      break;
    case tailor::v1::LEARNING_RATE_SCHEDULE_INVERSE_TIME:
      o.schedule.kind = LrSchedule::Kind::kInverse;
      o.schedule.decay = static_cast<float>(spec.learning_rate_decay());
      break;
    case tailor::v1::LEARNING_RATE_SCHEDULE_UNSPECIFIED:
    case tailor::v1::LEARNING_RATE_SCHEDULE_CONSTANT:
      break;
    default:
      return absl::InvalidArgumentError(
          "job spec field 'learning_rate_schedule': not supported by the SGD "
          "trainer");
  }
  o.seed = spec.seed();
  o.threads = std::max(1, threads);
  o.grid = job.num_partitions;
  if (absl::Status s = ValidateSgdOptions(o); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("job spec: ", s.message()));
  }
  return o;
}

bool HasUserBias(const DistributedJob& job) {
  return !job.als && (job.sgd_algorithm == SgdAlgorithm::kBiasedMf ||
                      job.sgd_algorithm == SgdAlgorithm::kLogistic);
}

bool HasItemBias(const DistributedJob& job) {
  return !job.als && (job.sgd_algorithm == SgdAlgorithm::kBiasedMf ||
                      job.sgd_algorithm == SgdAlgorithm::kBpr ||
                      job.sgd_algorithm == SgdAlgorithm::kLogistic);
}

std::vector<TableSpec> JobTableSpecs(const DistributedJob& job) {
  const int k = static_cast<int>(job.spec.factors());
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kNormal;
  init.stddev = static_cast<float>(job.spec.init_stddev());
  init.seed = job.spec.seed();
  std::vector<TableSpec> tables;
  tables.push_back({kUserTable, k, init});
  init.seed = job.spec.seed() ^ 0x6974656d73ULL;  // "items"
  tables.push_back({kItemTable, k, init});
  InitializerSpec zeros;
  if (HasUserBias(job)) tables.push_back({kUserBiasTable, 1, zeros});
  if (HasItemBias(job)) tables.push_back({kItemBiasTable, 1, zeros});
  return tables;
}

absl::StatusOr<TrainingData> LoadTrainingData(FileSystem* fs,
                                              const DistributedJob& job,
                                              bool with_transpose) {
  TAILOR_ASSIGN_OR_RETURN(Interactions data,
                          LoadInteractions(fs, job.spec.dataset_dir()));
  TrainingData out;
  if (data.matrix.rows == 0 || data.matrix.cols == 0 ||
      data.matrix.nnz() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset ", job.spec.dataset_dir(), " has no interactions"));
  }
  if (job.evaluate) {
    StratifiedSplitOptions split;
    split.train_ratio = 1 - job.test_fraction;
    split.seed = job.split_seed;
    TAILOR_ASSIGN_OR_RETURN(Split s, StratifiedSplit(data.matrix, {}, split));
    out.train = std::move(s.train);
    out.test = std::move(s.test);
  } else {
    out.train = std::move(data.matrix);
    out.test.rows = out.train.rows;
    out.test.cols = out.train.cols;
    out.test.indptr.assign(out.train.rows + 1, 0);
  }
  out.user_keys = std::move(data.user_keys);
  out.item_keys = std::move(data.item_keys);
  out.grid = BalancedGrid(out.train, job.num_partitions);
  if (out.grid.grid != job.num_partitions) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job spec field 'partitions': ", job.num_partitions,
        " partitions per side need at least that many users and items; the "
        "dataset has ",
        out.train.rows, " users and ", out.train.cols, " items"));
  }
  double sum = 0;
  for (float v : out.train.data) sum += v;
  out.global_mean = out.train.nnz() > 0 ? sum / out.train.nnz() : 0.0;
  if (with_transpose && job.als) out.train_items = Transpose(out.train);
  return out;
}

}  // namespace tailor::distributed
