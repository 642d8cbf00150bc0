#ifndef TAILOR_TRAINER_LOCAL_RECOMMENDER_H_
#define TAILOR_TRAINER_LOCAL_RECOMMENDER_H_

// One interface over every single-process algorithm (ials, als, biased_mf,
// pmf, nmf, bpr, logistic, item_knn, user_knn, popularity) so that `tailor
// train` and `tailor eval` drive them alike. Rows and columns are the dense
// user and item indices of the training matrix. Not thread-safe: one caller
// drives a Recommender; scoring calls may use threads inside.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/model/model_version.h"
#include "tailor/v1/job.pb.h"

namespace tailor {

struct IterationResult {
  double loss = 0;     // training objective after the iteration
  double seconds = 0;  // wall clock of the iteration
  int64_t rows = 0;    // rows solved or entries visited
};

class Recommender {
 public:
  virtual ~Recommender() = default;

  // False for models fitted completely at creation (kNN, popularity).
  virtual bool iterative() const = 0;
  // One training iteration; an error (e.g. divergence, a non-finite
  // parameter) names what went wrong, and the model must not be exported.
  virtual absl::StatusOr<IterationResult> Iterate() = 0;
  // Scores of every item for each user, users.size() x items row-major.
  virtual absl::Status Score(absl::Span<const uint32_t> users,
                             absl::Span<float> scores) const = 0;
  // One prediction per (users[i], items[i]) pair (ratings for RMSE).
  virtual absl::Status Predict(absl::Span<const uint32_t> users,
                               absl::Span<const uint32_t> items,
                               absl::Span<float> out) const = 0;
  // The model's tables for export, keyed by the dataset's user and item keys
  // (indexed by dense index); fills the tables and extra files of `contents`
  // and keeps them alive in `storage`.
  virtual absl::Status Export(absl::Span<const uint64_t> user_keys,
                              absl::Span<const uint64_t> item_keys,
                              ModelVersionContents& contents) = 0;
  // Parameters to and from a checkpoint directory (iterative models).
  virtual absl::Status Save(FileSystem* fs, const std::string& dir) const = 0;
  virtual absl::Status Restore(FileSystem* fs, const std::string& dir) = 0;
};

// True for algorithms trained on ratings and judged by RMSE (als, biased_mf,
// pmf, nmf); the others rank implicit feedback.
bool IsRatingAlgorithm(const std::string& algorithm);

// Builds and (for non-iterative models) fits the algorithm `spec.algorithm()`
// on `train` with the hyper-parameters of `spec`; timestamps are parallel to
// train.indices or empty. Errors: unknown algorithm, invalid options (named),
// invalid or empty matrix.
absl::StatusOr<std::unique_ptr<Recommender>> CreateRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    absl::Span<const int64_t> timestamps);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_RECOMMENDER_H_
