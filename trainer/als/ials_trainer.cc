#include "trainer/als/ials_trainer.h"

#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

IalsTrainer::IalsTrainer(const IalsOptions& options, CsrMatrix user_items)
    : options_(options),
      user_items_(std::move(user_items)),
      item_users_(Transpose(user_items_)),
      users_(user_items_.rows, options.factors),
      items_(user_items_.cols, options.factors) {
  users_.FillRandomNormal(options.seed, options.init_stddev, options.threads);
  items_.FillRandomNormal(options.seed ^ 0x6974656d73ULL, options.init_stddev,
                          options.threads);
}

absl::StatusOr<std::unique_ptr<IalsTrainer>> IalsTrainer::Create(
    const IalsOptions& options, CsrMatrix user_items) {
  if (absl::Status s = ValidateIalsOptions(options); !s.ok()) return s;
  if (absl::Status s = ValidateCsr(user_items); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ials: bad interaction matrix: ", s.message()));
  }
  if (user_items.rows == 0 || user_items.cols == 0 || user_items.nnz() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ials: empty interaction matrix (", user_items.rows, " users, ",
        user_items.cols, " items, ", user_items.nnz(), " interactions)"));
  }
  if (user_items.cols > (int64_t{1} << 32)) {
    return absl::InvalidArgumentError("ials: more than 2^32 items");
  }
  for (int64_t u = 0; u < user_items.rows; ++u) {
    for (int64_t e = user_items.indptr[u]; e < user_items.indptr[u + 1]; ++e) {
      if (!(user_items.data[e] >= 0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ials: interaction (user ", u, ", item ", user_items.indices[e],
            ") has value ", user_items.data[e],
            "; implicit feedback must be >= 0"));
      }
    }
  }
  return std::unique_ptr<IalsTrainer>(
      new IalsTrainer(options, std::move(user_items)));
}

absl::Status IalsTrainer::SolveUsers(EpochStats* stats) {
  const double t0 = Now();
  const FactorMatrix gram = ComputeGram(items_, options_.threads);
  const double t1 = Now();
  HalfStepStats hs;
  absl::Status s = SolveImplicitRows(options_, user_items_, 0, users_.rows(),
                                     items_, gram, users_, "user step", &hs);
  if (stats != nullptr) {
    stats->gram_seconds += t1 - t0;
    stats->user_seconds += Now() - t1;
    stats->flops +=
        hs.flops + double(items_.rows()) * items_.cols() * (items_.cols() + 1);
    stats->bytes += hs.bytes + 4.0 * items_.rows() * items_.stride();
    stats->nnz += hs.nnz;
  }
  return s;
}

absl::Status IalsTrainer::SolveItems(EpochStats* stats) {
  const double t0 = Now();
  const FactorMatrix gram = ComputeGram(users_, options_.threads);
  const double t1 = Now();
  HalfStepStats hs;
  absl::Status s = SolveImplicitRows(options_, item_users_, 0, items_.rows(),
                                     users_, gram, items_, "item step", &hs);
  if (stats != nullptr) {
    stats->gram_seconds += t1 - t0;
    stats->item_seconds += Now() - t1;
    stats->flops +=
        hs.flops + double(users_.rows()) * users_.cols() * (users_.cols() + 1);
    stats->bytes += hs.bytes + 4.0 * users_.rows() * users_.stride();
    stats->nnz += hs.nnz;
  }
  return s;
}

absl::StatusOr<EpochStats> IalsTrainer::RunEpoch() {
  EpochStats stats;
  const double t0 = Now();
  if (absl::Status s = SolveUsers(&stats); !s.ok()) return s;
  if (absl::Status s = SolveItems(&stats); !s.ok()) return s;
  stats.seconds = Now() - t0;
  return stats;
}

double IalsTrainer::Loss() const {
  absl::StatusOr<double> loss =
      ImplicitLoss(options_, user_items_, users_, items_);
  return loss.ok() ? *loss : std::nan("");
}

}  // namespace tailor
