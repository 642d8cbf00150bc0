#ifndef TAILOR_TRAINER_LOCAL_TRAIN_LOOP_H_
#define TAILOR_TRAINER_LOCAL_TRAIN_LOOP_H_

// The single-process training loop: iterations with a held-out metric,
// early stopping on a plateau, divergence detection, checkpoints and
// resume (docs/training.md).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "trainer/local/recommender.h"

namespace tailor {

struct IterationReport {
  int iteration = 0;  // 1-based
  double loss = 0;
  std::string metric_name;  // empty when not evaluated this iteration
  double metric = 0;
  double seconds = 0;
  double rows_per_second = 0;
};

struct TrainLoopOptions {
  int iterations = 10;
  // Held-out evaluation: users x items, same shape as `train`; not owned.
  const CsrMatrix* train = nullptr;
  const CsrMatrix* holdout = nullptr;
  std::string metric = "ndcg@10";  // "rmse" or a top-k metric of evaluate.h
  int eval_every = 1;
  // Stop after `patience` evaluations without an improvement of at least
  // min_improvement (0: never stop early).
  int patience = 0;
  double min_improvement = 1e-4;
  // Checkpoints: <dir>/iter-NNNNNN/ every `checkpoint_every` iterations
  // (0: none); `resume` continues from the newest one.
  std::string checkpoint_dir;
  int checkpoint_every = 0;
  bool resume = false;
  std::function<void(const IterationReport&)> progress;
};

struct TrainLoopResult {
  int iterations_run = 0;   // including those restored from a checkpoint
  int resumed_from = 0;     // iteration of the checkpoint resumed, or 0
  std::string stop_reason;  // "iterations", "plateau", "fitted"
  std::vector<IterationReport> history;
};

// Runs the loop. Errors: a failing iteration (e.g. divergence; the message
// says which iteration), a non-finite loss, evaluation or checkpoint errors.
absl::StatusOr<TrainLoopResult> RunTrainLoop(Recommender& model, FileSystem* fs,
                                             const TrainLoopOptions& options);

// Metrics of `model` on `test`: "rmse" and "mae" when `ratings`, otherwise
// the top-k metrics at `k` ranking every item the user has not seen in
// `train`.
absl::StatusOr<std::map<std::string, double>> EvaluateHoldout(
    const Recommender& model, const CsrMatrix& train, const CsrMatrix& test,
    bool ratings, int k);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_TRAIN_LOOP_H_
