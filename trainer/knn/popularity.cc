#include "trainer/knn/popularity.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<std::unique_ptr<PopularityModel>> PopularityModel::Train(
    const CsrMatrix& user_major, absl::Span<const int64_t> timestamps,
    const PopularityOptions& options) {
  absl::Status valid = ValidateCsr(user_major);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: invalid training matrix: ", valid.message()));
  }
  if (!timestamps.empty() &&
      static_cast<int64_t>(timestamps.size()) != user_major.nnz()) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: ", timestamps.size(), " timestamps for ",
                     user_major.nnz(), " entries"));
  }
  if (!(options.half_life_seconds >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: half_life_seconds must be >= 0, got ",
                     options.half_life_seconds));
  }
  const bool decay = options.half_life_seconds > 0;
  if (decay && timestamps.empty() && user_major.nnz() > 0) {
    return absl::InvalidArgumentError(
        "popularity: time decay needs timestamps");
  }
  int64_t reference = options.reference_time;
  if (decay && reference == std::numeric_limits<int64_t>::min()) {
    reference = *std::max_element(timestamps.begin(), timestamps.end());
  }
  std::vector<double> scores(user_major.cols, 0.0);
  for (int64_t p = 0; p < user_major.nnz(); ++p) {
    double w = options.use_values ? user_major.data[p] : 1.0;
    if (decay) {
      const double age = static_cast<double>(reference - timestamps[p]);
      w *= std::exp2(-age / options.half_life_seconds);
    }
    scores[user_major.indices[p]] += w;
  }
  auto model = std::unique_ptr<PopularityModel>(new PopularityModel());
  model->num_users_ = user_major.rows;
  model->item_scores_.assign(scores.begin(), scores.end());
  return model;
}

absl::Status PopularityModel::ScoreItems(absl::Span<const uint32_t> users,
                                         absl::Span<float> scores) const {
  const size_t n_items = item_scores_.size();
  if (scores.size() != users.size() * n_items) {
    return absl::InvalidArgumentError(absl::StrCat(
        "popularity: score block has ", scores.size(), " entries for ",
        users.size(), " users x ", n_items, " items"));
  }
  for (size_t b = 0; b < users.size(); ++b) {
    if (users[b] >= num_users_) {
      return absl::InvalidArgumentError(
          absl::StrCat("popularity: user ", users[b], " is out of range (",
                       num_users_, " users)"));
    }
    std::copy(item_scores_.begin(), item_scores_.end(),
              scores.begin() + b * n_items);
  }
  return absl::OkStatus();
}

}  // namespace tailor
