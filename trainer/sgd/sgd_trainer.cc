#include "trainer/sgd/sgd_trainer.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/sgd/sgd_random.h"

namespace tailor {
namespace {

bool HasUserBias(SgdAlgorithm a) {
  return a == SgdAlgorithm::kBiasedMf || a == SgdAlgorithm::kLogistic;
}
bool HasItemBias(SgdAlgorithm a) {
  return a == SgdAlgorithm::kBiasedMf || a == SgdAlgorithm::kBpr ||
         a == SgdAlgorithm::kLogistic;
}

void InitFactors(std::vector<float>& table, const SgdOptions& o,
                 uint64_t stream) {
  SplitMix64 rng(DeriveSeed(o.seed, 0xfac7, stream));
  const bool non_negative = o.algorithm == SgdAlgorithm::kNmf;
  for (float& v : table) {
    v = o.init_mean + o.init_stddev * rng.Normal();
    if (non_negative) v = std::fabs(v);
  }
}

bool AllFinite(const std::vector<float>& v) {
  float acc = 0;  // NaN/inf propagate through the sum of |x| * 0
  for (float x : v) acc += x * 0.0f;
  return acc == 0.0f;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SgdTrainer>> SgdTrainer::Create(
    const SgdOptions& options, const CsrMatrix& m) {
  TAILOR_RETURN_IF_ERROR(ValidateSgdOptions(options));
  if (m.rows <= 0 || m.cols <= 0 || m.nnz() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SGD training matrix is empty (", m.rows, " users x ", m.cols,
        " items, ", m.nnz(), " interactions); nothing to train"));
  }
  if (m.rows > 0xffffffffLL || m.cols > 0xffffffffLL ||
      m.nnz() > 0xffffffffLL) {
    return absl::InvalidArgumentError(
        "SGD training matrix has more than 2^32 rows, columns or entries");
  }
  {
    absl::Status valid = ValidateCsr(m);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SGD training matrix is invalid: ", valid.message()));
    }
  }
  auto t = std::unique_ptr<SgdTrainer>(new SgdTrainer());
  t->options_ = options;
  const SgdAlgorithm a = options.algorithm;
  SgdModel& model = t->model_;
  model.factors = options.factors;
  model.user_factors.resize(static_cast<size_t>(m.rows) * options.factors);
  model.item_factors.resize(static_cast<size_t>(m.cols) * options.factors);
  InitFactors(model.user_factors, options, 1);
  InitFactors(model.item_factors, options, 2);
  if (HasUserBias(a)) model.user_bias.assign(m.rows, 0.0f);
  if (HasItemBias(a)) model.item_bias.assign(m.cols, 0.0f);
  if (a == SgdAlgorithm::kBiasedMf) {
    double sum = 0;
    for (float v : m.data) sum += v;
    model.global_mean = static_cast<float>(sum / m.nnz());
  }
  const int grid = options.grid > 0 ? options.grid : 2 * options.threads + 2;
  t->grid_ = BalancedGrid(m, grid);
  t->blocks_ = BuildBlocks(m, t->grid_);
  const int G = t->grid_.grid;
  t->samplers_.resize(G);
  if (UsesNegatives(a) && options.sampling == NegativeSampling::kPopularity) {
    std::vector<double> counts(m.cols, 0.0);
    for (uint32_t c : m.indices) counts[c] += 1.0;
    for (int c = 0; c < G; ++c) {
      std::vector<double> w;
      for (uint32_t j = t->grid_.col_cuts[c]; j < t->grid_.col_cuts[c + 1];
           ++j) {
        w.push_back(std::pow(counts[j], options.popularity_exponent));
      }
      absl::StatusOr<AliasSampler> s = AliasSampler::Create(w);
      if (s.ok()) {  // else: no popular item in range; uniform there
        t->samplers_[c] = std::make_unique<AliasSampler>(*std::move(s));
      }
    }
  }
  std::vector<int64_t> nnz(t->blocks_.size());
  for (size_t b = 0; b < nnz.size(); ++b) nnz[b] = t->blocks_[b].nnz();
  t->scheduler_ =
      std::make_unique<DynamicBlockScheduler>(G, std::move(nnz), options.seed);
  return t;
}

SgdStepParams SgdTrainer::StepParams(float learning_rate) const {
  SgdStepParams s;
  s.algorithm = options_.algorithm;
  s.factors = options_.factors;
  s.learning_rate = learning_rate;
  const float lr_ratio =
      options_.bias_learning_rate < 0
          ? 1.0f
          : options_.bias_learning_rate / options_.learning_rate;
  s.bias_learning_rate = learning_rate * lr_ratio;
  s.reg_factors = options_.reg_factors;
  s.reg_bias = options_.reg_bias;
  s.global_mean = model_.global_mean;
  s.negatives = options_.negatives;
  s.reject_known_negatives = options_.reject_known_negatives;
  s.max_negative_draws = options_.max_negative_draws;
  return s;
}

BlockStats SgdTrainer::RunBlock(int block, const SgdStepParams& params,
                                int epoch) {
  SgdStepParams s = params;
  s.sampler = samplers_[block % grid_.grid].get();
  FactorView users{
      model_.user_factors.data(), model_.factors, 0,
      model_.user_bias.empty() ? nullptr : model_.user_bias.data()};
  FactorView items{
      model_.item_factors.data(), model_.factors, 0,
      model_.item_bias.empty() ? nullptr : model_.item_bias.data()};
  return RunSgdBlock(blocks_[block], s, users, items,
                     DeriveSeed(options_.seed, static_cast<uint64_t>(epoch),
                                static_cast<uint64_t>(block), 0xb10c));
}

absl::StatusOr<SgdEpochStats> SgdTrainer::RunEpoch() {
  if (!failed_.ok()) return failed_;
  const int epoch = epoch_;
  const float lr =
      LearningRateAt(options_.schedule, options_.learning_rate, epoch);
  const SgdStepParams params = StepParams(lr);
  const int G = grid_.grid;
  const int threads = options_.threads;
  std::vector<BlockStats> stats(blocks_.size());
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  if (options_.deterministic) {
    for (const std::vector<int>& stratum :
         StrataForEpoch(G, options_.seed, epoch)) {
      const int n = static_cast<int>(stratum.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
      for (int x = 0; x < n; ++x) {
        stats[stratum[x]] = RunBlock(stratum[x], params, epoch);
      }
    }
  } else {
    scheduler_->StartEpoch(epoch);
#pragma omp parallel num_threads(threads)
    {
      for (int b = scheduler_->Acquire(); b >= 0; b = scheduler_->Acquire()) {
        stats[b] = RunBlock(b, params, epoch);
        scheduler_->Release(b);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  SgdEpochStats out;
  out.epoch = epoch;
  out.learning_rate = lr;
  out.seconds = seconds;
  out.cpu_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  double loss_sum = 0;
  for (const BlockStats& s : stats) {  // block order: deterministic sum
    loss_sum += s.loss_sum;
    out.examples += s.examples;
    out.skipped_negatives += s.skipped;
  }
  out.loss = out.examples > 0 ? loss_sum / out.examples : 0.0;
  out.updates_per_second = seconds > 0 ? out.examples / seconds : 0.0;
  ++epoch_;
  const bool finite =
      std::isfinite(out.loss) && AllFinite(model_.user_factors) &&
      AllFinite(model_.item_factors) && AllFinite(model_.user_bias) &&
      AllFinite(model_.item_bias);
  if (!finite || (first_loss_ > 0 &&
                  out.loss > options_.divergence_factor * first_loss_)) {
    failed_ = absl::FailedPreconditionError(absl::StrCat(
        "SGD (", SgdAlgorithmName(options_.algorithm), ") diverged in epoch ",
        epoch + 1, ": ",
        finite ? absl::StrCat("training loss ", out.loss, " exceeds ",
                              options_.divergence_factor,
                              " x the first epoch's ", first_loss_)
               : absl::StrCat("training loss or parameters are not finite "
                              "(loss ",
                              out.loss, ")"),
        "; the learning rate ", lr, " is too large, lower learning_rate"));
    return failed_;
  }
  if (first_loss_ < 0) first_loss_ = std::max(out.loss, 1e-12);
  return out;
}

double SgdTrainer::TrainLoss() const {
  SgdStepParams s = StepParams(options_.learning_rate);
  double total = 0;
  int64_t count = 0;
  const int n = static_cast<int>(blocks_.size());
  const float* ub =
      model_.user_bias.empty() ? nullptr : model_.user_bias.data();
  const float* ib =
      model_.item_bias.empty() ? nullptr : model_.item_bias.data();
  const int k = model_.factors;
  const float* U = model_.user_factors.data();
  const float* V = model_.item_factors.data();
  // Data losses only: regularization off.
  s.reg_factors = 0;
  s.reg_bias = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(options_.threads) \
    reduction(+ : total, count)
  for (int b = 0; b < n; ++b) {
    const SgdBlock& block = blocks_[b];
    const AliasSampler* sampler = samplers_[b % grid_.grid].get();
    SplitMix64 rng(DeriveSeed(options_.seed, 0xe7a1, static_cast<uint64_t>(b)));
    const uint32_t width = block.col_end - block.col_begin;
    for (size_t ui = 0; ui < block.users.size(); ++ui) {
      const uint32_t u = block.users[ui];
      const float* p = U + static_cast<size_t>(u) * k;
      const float* bu = ub ? ub + u : nullptr;
      for (uint32_t e = block.user_offsets[ui]; e < block.user_offsets[ui + 1];
           ++e) {
        const uint32_t i = block.items[e];
        const float* q = V + static_cast<size_t>(i) * k;
        const float* bi = ib ? ib + i : nullptr;
        switch (options_.algorithm) {
          case SgdAlgorithm::kBiasedMf:
          case SgdAlgorithm::kPmf:
          case SgdAlgorithm::kNmf:
            total += 2.0 * ExplicitLoss(s, block.values[e], p, bu, q, bi);
            ++count;
            break;
          case SgdAlgorithm::kLogistic:
            total += LogisticLoss(s, 1.0f, p, bu, q, bi);
            ++count;
            [[fallthrough]];
          case SgdAlgorithm::kBpr:
            for (int neg = 0; neg < options_.negatives; ++neg) {
              const uint32_t j =
                  block.col_begin +
                  (sampler ? sampler->Sample(rng) : rng.Below(width));
              if (j == i) continue;
              const float* qj = V + static_cast<size_t>(j) * k;
              const float* bj = ib ? ib + j : nullptr;
              total += options_.algorithm == SgdAlgorithm::kBpr
                           ? BprLoss(s, p, q, bi, qj, bj)
                           : LogisticLoss(s, 0.0f, p, bu, qj, bj);
              ++count;
            }
            break;
        }
      }
    }
  }
  return count > 0 ? total / count : 0.0;
}

float SgdTrainer::Predict(uint32_t user, uint32_t item) const {
  const int k = model_.factors;
  const float* p = model_.user_factors.data() + static_cast<size_t>(user) * k;
  const float* q = model_.item_factors.data() + static_cast<size_t>(item) * k;
  double x = model_.global_mean;
  if (!model_.user_bias.empty()) x += model_.user_bias[user];
  if (!model_.item_bias.empty()) x += model_.item_bias[item];
  for (int f = 0; f < k; ++f) x += static_cast<double>(p[f]) * q[f];
  return static_cast<float>(x);
}

}  // namespace tailor
