#ifndef TAILOR_TRAINER_PROTOCOL_PROTOCOL_RUNNER_H_
#define TAILOR_TRAINER_PROTOCOL_PROTOCOL_RUNNER_H_

// Runs a whole evaluation protocol: split(s), training of one algorithm per
// fold, evaluation and aggregation over folds (docs/evaluation_protocols.md
// says exactly what each protocol computes). Stateless functions; training
// and scoring use threads inside (spec.threads).

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "nlohmann/json.hpp"
#include "tailor/v1/job.pb.h"
#include "trainer/local/recommender.h"
#include "trainer/protocol/protocol_split.h"

namespace tailor {

struct RunOptions {
  // Implicit algorithms (everything but als, biased_mf, pmf, nmf, and the
  // kNN rating predictors under surprise_cv) train on 1s instead of the
  // values (ratings as implicit feedback, as Microsoft Recommenders does).
  bool binarize_implicit = true;
  std::function<void(const std::string&)> progress;  // one line, no '\n'
};

struct ProtocolRun {
  std::string protocol;
  std::string algorithm;
  std::string main_metric;  // MainMetric(protocol)
  // Metric name -> value ("rmse", "ndcg@10", "warm/ndcg@10", ...).
  std::map<std::string, double> metrics;
  nlohmann::json details = nlohmann::json::object();  // counts, per fold
  double seconds = 0;
};

// The metric a protocol's tables and grid searches sort by: rmse,
// ndcg@10 (ms_stratified), hr@10 (leave_one_out), recall@20 (strong),
// warm/ndcg@10 (temporal), with `k` in place of 10.
std::string MainMetric(Protocol protocol, int k);
bool LowerIsBetter(const std::string& metric);

// Trains spec.algorithm on every fold of `split` (spec.iterations
// iterations, no early stopping) and evaluates it. Errors: the algorithm
// does not fit the protocol (surprise_cv needs rating predictions), training
// or evaluation errors, each naming the fold.
absl::StatusOr<ProtocolRun> EvaluateOnSplit(const tailor::v1::JobSpec& spec,
                                            const ProtocolSplit& split,
                                            const RunOptions& options);

// MakeProtocolSplit + EvaluateOnSplit.
absl::StatusOr<ProtocolRun> RunProtocol(const tailor::v1::JobSpec& spec,
                                        const CsrMatrix& interactions,
                                        absl::Span<const int64_t> timestamps,
                                        const ProtocolOptions& protocol,
                                        const RunOptions& options);

// Evaluates an already trained `model` on fold `fold` of `split` (for
// exported model versions): the protocol's metrics for one fold; `ratings`
// adds rmse and mae. Strong generalization needs fold-in and is refused.
absl::StatusOr<std::map<std::string, double>> EvaluateTrainedModel(
    const Recommender& model, const ProtocolSplit& split, int fold,
    bool ratings);

}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_PROTOCOL_RUNNER_H_
