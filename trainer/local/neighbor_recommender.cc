// The neighbourhood adapters of Recommender (trainer/knn): item_knn,
// user_knn and popularity. They are fitted at creation.

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "trainer/knn/knn_model.h"
#include "trainer/knn/popularity.h"
#include "trainer/knn/similarity_table_io.h"
#include "trainer/local/recommender_impls.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

// Base for models with no iterations and no checkpoint state.
class FittedRecommender : public Recommender {
 public:
  bool iterative() const override { return false; }
  absl::StatusOr<IterationResult> Iterate() override {
    return absl::FailedPreconditionError(
        "this algorithm is fitted in one pass and has no iterations");
  }
  absl::Status Save(FileSystem*, const std::string&) const override {
    return absl::OkStatus();
  }
  absl::Status Restore(FileSystem*, const std::string&) override {
    return absl::OkStatus();
  }
};

class KnnRecommender final : public FittedRecommender {
 public:
  explicit KnnRecommender(std::unique_ptr<KnnModel> model)
      : model_(std::move(model)) {}

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    return model_->ScoreItems(users, scores);
  }
  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    return model_->PredictRatings(users, items, out);
  }
  // Exports the top-K neighbour table (docs/formats/similarity_table.md,
  // rows and neighbours by dense index) and, as a factor table of width 0,
  // the keys of those dense indices.
  absl::Status Export(absl::Span<const uint64_t> user_keys,
                      absl::Span<const uint64_t> item_keys,
                      ModelVersionContents& contents) override {
    const bool user_based = model_->options().user_based;
    SimilarityTableInfo info;
    info.item_based = !user_based;
    info.metric = model_->options().similarity.metric;
    info.max_neighbors = model_->options().similarity.max_neighbors;
    auto memory = NewInMemoryFileSystem();
    TAILOR_RETURN_IF_ERROR(WriteSimilarityTable(memory.get(), "/table",
                                                model_->neighbors(), info));
    TAILOR_ASSIGN_OR_RETURN(std::string bytes,
                            ReadFileToString(memory.get(), "/table"));
    contents.extra_files.push_back(
        {user_based ? "similar_users.tsim" : "similar_items.tsim",
         std::move(bytes)});
    absl::Span<const uint64_t> keys = user_based ? user_keys : item_keys;
    keys_ = FactorTable(static_cast<int64_t>(keys.size()), 0);
    std::copy(keys.begin(), keys.end(), keys_.keys().begin());
    (user_based ? contents.user_factors : contents.item_factors) = &keys_;
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<KnnModel> model_;
  FactorTable keys_;
};

class PopularityRecommender final : public FittedRecommender {
 public:
  explicit PopularityRecommender(std::unique_ptr<PopularityModel> model)
      : model_(std::move(model)) {}

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    return model_->ScoreItems(users, scores);
  }
  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    const std::vector<float>& s = model_->item_scores();
    for (size_t n = 0; n < items.size(); ++n) {
      if (items[n] >= s.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("item index ", items[n], " is out of range"));
      }
      out[n] = s[items[n]];
    }
    return absl::OkStatus();
  }
  absl::Status Export(absl::Span<const uint64_t> user_keys,
                      absl::Span<const uint64_t> item_keys,
                      ModelVersionContents& contents) override {
    const std::vector<float>& s = model_->item_scores();
    items_ = FactorTable(static_cast<int64_t>(s.size()), 0);
    for (size_t i = 0; i < s.size(); ++i) items_.keys()[i] = item_keys[i];
    items_.biases() = s;  // the score of each item is its bias
    contents.item_factors = &items_;
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<PopularityModel> model_;
  FactorTable items_;
};

absl::StatusOr<SimilarityMetric> ParseMetric(const std::string& name) {
  if (name == "cosine") return SimilarityMetric::kCosine;
  if (name == "cosine_corated") return SimilarityMetric::kCosineCoRated;
  if (name == "pearson") return SimilarityMetric::kPearson;
  if (name == "adjusted_cosine") return SimilarityMetric::kAdjustedCosine;
  if (name == "msd") return SimilarityMetric::kMsd;
  return absl::InvalidArgumentError(absl::StrCat(
      "option similarity='", name,
      "' must be cosine, cosine_corated, pearson, adjusted_cosine or msd"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Recommender>> NewNeighborRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    absl::Span<const int64_t> timestamps) {
  if (spec.algorithm() == "popularity") {
    PopularityOptions options;
    TAILOR_ASSIGN_OR_RETURN(options.half_life_seconds,
                            DoubleOption(spec, "half_life_seconds", 0));
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<PopularityModel> model,
                            PopularityModel::Train(train, timestamps, options));
    return std::make_unique<PopularityRecommender>(std::move(model));
  }
  KnnOptions options;
  options.user_based = spec.algorithm() == "user_knn";
  options.k = static_cast<int>(spec.neighbors());
  TAILOR_ASSIGN_OR_RETURN(
      options.similarity.metric,
      ParseMetric(StringOption(spec, "similarity", "cosine")));
  TAILOR_ASSIGN_OR_RETURN(options.similarity.shrinkage,
                          DoubleOption(spec, "shrinkage", 0));
  TAILOR_ASSIGN_OR_RETURN(double max_neighbors,
                          DoubleOption(spec, "max_neighbors", 100));
  options.similarity.max_neighbors = static_cast<int>(max_neighbors);
  const std::string predictor = StringOption(spec, "predictor", "basic");
  if (predictor == "with_means") {
    options.predictor = RatingPredictor::kWithMeans;
  } else if (predictor != "basic") {
    return absl::InvalidArgumentError(absl::StrCat(
        "option predictor='", predictor, "' must be basic or with_means"));
  }
  TAILOR_ASSIGN_OR_RETURN(double rmin, DoubleOption(spec, "rating_min", 0));
  TAILOR_ASSIGN_OR_RETURN(double rmax, DoubleOption(spec, "rating_max", 0));
  options.rating_min = static_cast<float>(rmin);
  options.rating_max = static_cast<float>(rmax);
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<KnnModel> model,
                          KnnModel::Train(train, options));
  return std::make_unique<KnnRecommender>(std::move(model));
}

}  // namespace tailor
