#include "trainer/local/recommender.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "trainer/local/recommender_impls.h"

namespace tailor {

bool IsRatingAlgorithm(const std::string& algorithm) {
  return algorithm == "als" || algorithm == "biased_mf" || algorithm == "pmf" ||
         algorithm == "nmf";
}

FactorTable MakeFactorTable(const float* data, int64_t rows, int cols,
                            int64_t stride, absl::Span<const uint64_t> keys,
                            absl::Span<const float> biases) {
  FactorTable table(rows, cols);
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(table.Row(r), data + r * stride, sizeof(float) * cols);
    table.keys()[r] = keys.empty() ? static_cast<uint64_t>(r) : keys[r];
  }
  table.biases().assign(biases.begin(), biases.end());
  return table;
}

absl::StatusOr<std::unique_ptr<Recommender>> CreateRecommender(
    const tailor::v1::JobSpec& spec, const CsrMatrix& train,
    absl::Span<const int64_t> timestamps) {
  const std::string& a = spec.algorithm();
  if (train.nnz() == 0 || train.rows == 0 || train.cols == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the training set is empty (", train.rows, " users, ",
                     train.cols, " items, ", train.nnz(), " interactions)"));
  }
  if (a == "ials") return NewIalsRecommender(spec, train);
  if (a == "als") return NewExplicitAlsRecommender(spec, train);
  if (a == "biased_mf" || a == "pmf" || a == "nmf" || a == "bpr" ||
      a == "logistic") {
    return NewSgdRecommender(spec, train);
  }
  if (a == "item_knn" || a == "user_knn" || a == "popularity") {
    return NewNeighborRecommender(spec, train, timestamps);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown algorithm '", a,
      "'; expected one of ials, als, biased_mf, pmf, nmf, bpr, logistic, "
      "item_knn, user_knn, popularity"));
}

}  // namespace tailor
