#ifndef TAILOR_TRAINER_KNN_KNN_MODEL_H_
#define TAILOR_TRAINER_KNN_KNN_MODEL_H_

// Neighbourhood collaborative filtering (docs/algorithms/knn.md): item-based
// or user-based k nearest neighbours over a user-major CsrMatrix. Rating
// prediction follows Surprise's KNNBasic, KNNWithMeans or KNNBaseline; top-N
// scoring for implicit data sums the similarities of the k nearest
// neighbours the user has. Immutable after Train; every method is const and
// thread-safe.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/knn/similarity.h"

namespace tailor {

enum class RatingPredictor {
  kBasic,      // sum(sim * r) / sum(sim)                    (KNNBasic)
  kWithMeans,  // mean_x + sum(sim * (r - mean_n)) / sum(sim) (KNNWithMeans)
  // b_xy + sum(sim * (r - b_n)) / sum(sim), b = mu + b_u + b_i baselines
  // fitted by Surprise's baseline ALS (KNNBaseline)
  kWithBaseline,
};

struct KnnOptions {
  bool user_based = false;
  // max_neighbors = 0 keeps all positive similarities: predictions then
  // match Surprise exactly; a finite table restricts neighbours to it.
  SimilarityOptions similarity;
  int k = 40;     // neighbours used per prediction, >= 1
  int min_k = 1;  // fewer positive neighbours: fallback (see knn.md)
  RatingPredictor predictor = RatingPredictor::kBasic;
  // Predictions are clipped to [rating_min, rating_max] when min < max.
  float rating_min = 0;
  float rating_max = 0;
  // kWithBaseline: Surprise's BaselineOnly ALS defaults.
  int baseline_epochs = 10;
  double baseline_reg_items = 10;
  double baseline_reg_users = 15;
};

class KnnModel {
 public:
  // `user_major`: users x items (ratings or implicit weights). Errors:
  // invalid matrix, empty matrix, k < 1, min_k < 0, similarity errors.
  static absl::StatusOr<std::unique_ptr<KnnModel>> Train(
      const CsrMatrix& user_major, const KnnOptions& options);

  // out[i] = predicted rating of (users[i], items[i]). Errors: size
  // mismatch, ids out of range.
  absl::Status PredictRatings(absl::Span<const uint32_t> users,
                              absl::Span<const uint32_t> items,
                              absl::Span<float> out) const;

  // Top-N scores, users.size() x num_items row-major (a BatchScorer).
  // Errors: size mismatch, ids out of range.
  absl::Status ScoreItems(absl::Span<const uint32_t> users,
                          absl::Span<float> scores) const;

  // Row x: neighbours of item x (item-based) or user x (user-based).
  const NeighborTable& neighbors() const { return neighbors_; }
  int64_t num_users() const { return by_user_.rows; }
  int64_t num_items() const { return by_item_.rows; }
  const KnnOptions& options() const { return options_; }

 private:
  KnnModel() = default;
  void FitBaselines();
  KnnOptions options_;
  CsrMatrix by_user_;  // users x items
  CsrMatrix by_item_;  // items x users
  NeighborTable neighbors_;
  NeighborTable reverse_;     // item-based: row j lists i with j in N_k(i)
  std::vector<float> means_;  // per entity (user or item) rating mean
  float global_mean_ = 0;
  std::vector<float> user_bias_, item_bias_;  // kWithBaseline only
};

}  // namespace tailor

#endif  // TAILOR_TRAINER_KNN_KNN_MODEL_H_
