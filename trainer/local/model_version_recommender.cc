#include "trainer/local/model_version_recommender.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

constexpr char kUserFactors[] = "user_factors.tft";
constexpr char kItemFactors[] = "item_factors.tft";

class ModelVersionRecommender final : public Recommender {
 public:
  ModelVersionRecommender(FactorTable users, FactorTable items,
                          std::vector<int64_t> user_rows,
                          std::vector<int64_t> item_rows, float global_mean,
                          bool ratings)
      : users_(std::move(users)),
        items_(std::move(items)),
        user_rows_(std::move(user_rows)),
        item_rows_(std::move(item_rows)),
        global_mean_(global_mean),
        ratings_(ratings) {}

  bool iterative() const override { return false; }
  absl::StatusOr<IterationResult> Iterate() override {
    return absl::FailedPreconditionError("an exported model is not trained");
  }

  absl::Status Score(absl::Span<const uint32_t> users,
                     absl::Span<float> scores) const override {
    const size_t n = item_rows_.size();
    if (scores.size() != users.size() * n) {
      return absl::InvalidArgumentError("score buffer has the wrong size");
    }
    for (size_t b = 0; b < users.size(); ++b) {
      TAILOR_ASSIGN_OR_RETURN(int64_t urow, UserRow(users[b]));
      for (size_t i = 0; i < n; ++i) {
        scores[b * n + i] = ScoreRows(urow, item_rows_[i]);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Predict(absl::Span<const uint32_t> users,
                       absl::Span<const uint32_t> items,
                       absl::Span<float> out) const override {
    for (size_t p = 0; p < users.size(); ++p) {
      TAILOR_ASSIGN_OR_RETURN(int64_t urow, UserRow(users[p]));
      if (items[p] >= item_rows_.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("item index ", items[p], " is out of range"));
      }
      const int64_t irow = item_rows_[items[p]];
      float value = ScoreRows(urow, irow);
      if (ratings_) {
        // Unknown items predict the global mean plus the user's bias.
        value = global_mean_ + (irow >= 0 ? value : 0.0f);
        if (urow >= 0 && users_.has_biases()) value += users_.biases()[urow];
      }
      out[p] = value;
    }
    return absl::OkStatus();
  }

  absl::Status Export(absl::Span<const uint64_t>, absl::Span<const uint64_t>,
                      ModelVersionContents&) override {
    return absl::UnimplementedError("an exported model is not re-exported");
  }
  absl::Status Save(FileSystem*, const std::string&) const override {
    return absl::UnimplementedError("an exported model has no checkpoint");
  }
  absl::Status Restore(FileSystem*, const std::string&) override {
    return absl::UnimplementedError("an exported model has no checkpoint");
  }

 private:
  absl::StatusOr<int64_t> UserRow(uint32_t user) const {
    if (user >= user_rows_.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("user index ", user, " is out of range"));
    }
    return user_rows_[user];
  }

  float ScoreRows(int64_t urow, int64_t irow) const {
    if (irow < 0) return -std::numeric_limits<float>::infinity();
    float s = items_.has_biases() ? items_.biases()[irow] : 0.0f;
    if (urow >= 0 && users_.dim() == items_.dim()) {
      const float* u = users_.Row(urow);
      const float* v = items_.Row(irow);
      for (int c = 0; c < items_.dim(); ++c) s += u[c] * v[c];
    }
    return s;
  }

  FactorTable users_;
  FactorTable items_;
  std::vector<int64_t> user_rows_;  // by dense user index, -1 if absent
  std::vector<int64_t> item_rows_;  // by dense item index, -1 if absent
  float global_mean_;
  bool ratings_;
};

std::vector<int64_t> MatchRows(const FactorTable& table,
                               absl::Span<const uint64_t> keys,
                               int64_t* matched) {
  std::vector<int64_t> rows(keys.size(), -1);
  *matched = 0;
  if (table.keys().empty()) return rows;
  for (size_t i = 0; i < keys.size(); ++i) {
    rows[i] = table.FindRow(keys[i]);
    *matched += rows[i] >= 0;
  }
  return rows;
}

}  // namespace

absl::StatusOr<LoadedModelVersion> LoadModelVersionRecommender(
    FileSystem* fs, const std::string& version_dir,
    absl::Span<const uint64_t> user_keys,
    absl::Span<const uint64_t> item_keys) {
  LoadedModelVersion out;
  TAILOR_ASSIGN_OR_RETURN(out.manifest, ReadModelManifest(fs, version_dir));
  const std::string algorithm = out.manifest.value("algorithm", "");
  bool has_users = false, has_items = false;
  for (const nlohmann::json& file : out.manifest["files"]) {
    const std::string path = file.value("path", "");
    has_users |= path == kUserFactors;
    has_items |= path == kItemFactors;
  }
  // Neighbourhood models export only the keys of their similarity table
  // (a factor table of width 0), which cannot score by themselves.
  const bool neighbourhood = algorithm == "item_knn" || algorithm == "user_knn";
  if (!has_items || neighbourhood) {
    return absl::FailedPreconditionError(absl::StrCat(
        version_dir, ": the model (", algorithm,
        ") has no item factor table; --model evaluates factor models and "
        "popularity only"));
  }
  TAILOR_ASSIGN_OR_RETURN(
      FactorTable items,
      ReadFactorTable(fs, JoinPath(version_dir, kItemFactors)));
  FactorTable users;
  if (has_users) {
    TAILOR_ASSIGN_OR_RETURN(
        users, ReadFactorTable(fs, JoinPath(version_dir, kUserFactors)));
    if (users.dim() != items.dim()) {
      return absl::DataLossError(
          absl::StrCat(version_dir, ": user factors have ", users.dim(),
                       " columns but item factors ", items.dim()));
    }
  }
  std::vector<int64_t> item_rows =
      MatchRows(items, item_keys, &out.items_matched);
  std::vector<int64_t> user_rows =
      MatchRows(users, user_keys, &out.users_matched);
  if (out.items_matched == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        version_dir, ": none of the dataset's ", item_keys.size(),
        " items is in the model's item table (a different dataset?)"));
  }
  float global_mean = 0;
  const nlohmann::json& hp = out.manifest["hyperparameters"];
  if (hp.is_object() && hp.contains("global_mean") &&
      hp["global_mean"].is_number()) {
    global_mean = hp["global_mean"].get<float>();
  }
  out.model = std::make_unique<ModelVersionRecommender>(
      std::move(users), std::move(items), std::move(user_rows),
      std::move(item_rows), global_mean, IsRatingAlgorithm(algorithm));
  return out;
}

}  // namespace tailor
