#include "trainer/knn/knn_model.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

struct Neighbor {
  float sim;
  uint32_t id;
  float rating;
};

inline bool Better(const Neighbor& a, const Neighbor& b) {
  return a.sim > b.sim || (a.sim == b.sim && a.id < b.id);
}

absl::Status CheckIds(absl::Span<const uint32_t> ids, int64_t limit,
                      const char* what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("knn: ", what, " ", ids[i], " at position ", i,
                       " is out of range (", limit, " ", what, "s)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KnnModel>> KnnModel::Train(
    const CsrMatrix& user_major, const KnnOptions& options) {
  absl::Status valid = ValidateCsr(user_major);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("knn: invalid training matrix: ", valid.message()));
  }
  if (user_major.nnz() == 0) {
    return absl::InvalidArgumentError("knn: the training matrix is empty");
  }
  if (options.predictor == RatingPredictor::kWithBaseline &&
      (options.baseline_epochs < 0 || !(options.baseline_reg_items >= 0) ||
       !(options.baseline_reg_users >= 0))) {
    return absl::InvalidArgumentError(
        "knn: baseline epochs and regularization must be >= 0");
  }
  if (options.k < 1 || options.min_k < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("knn: need k >= 1 and min_k >= 0, got k = ", options.k,
                     ", min_k = ", options.min_k));
  }
  auto model = std::unique_ptr<KnnModel>(new KnnModel());
  model->options_ = options;
  model->by_user_ = user_major;
  model->by_item_ = Transpose(user_major);
  const CsrMatrix& entity_major =
      options.user_based ? model->by_user_ : model->by_item_;
  TAILOR_ASSIGN_OR_RETURN(model->neighbors_,
                          ComputeNeighbors(entity_major, options.similarity));
  double total = 0;
  for (float v : user_major.data) total += v;
  model->global_mean_ = static_cast<float>(total / user_major.nnz());
  model->means_.assign(entity_major.rows, model->global_mean_);
  for (int64_t x = 0; x < entity_major.rows; ++x) {
    const int64_t n = entity_major.RowSize(x);
    if (n == 0) continue;
    double s = 0;
    for (int64_t p = entity_major.indptr[x]; p < entity_major.indptr[x + 1];
         ++p) {
      s += entity_major.data[p];
    }
    model->means_[x] = static_cast<float>(s / n);
  }
  if (options.predictor == RatingPredictor::kWithBaseline) {
    model->FitBaselines();
  }
  if (!options.user_based) {
    // reverse_: row j lists (i, sim) for every i with j among its first k.
    const NeighborTable& nt = model->neighbors_;
    NeighborTable& rev = model->reverse_;
    rev.rows = nt.rows;
    rev.indptr.assign(nt.rows + 1, 0);
    for (int64_t i = 0; i < nt.rows; ++i) {
      const int64_t n = std::min<int64_t>(options.k, nt.RowSize(i));
      for (int64_t p = nt.indptr[i]; p < nt.indptr[i] + n; ++p) {
        ++rev.indptr[nt.neighbors[p] + 1];
      }
    }
    for (int64_t j = 0; j < nt.rows; ++j) rev.indptr[j + 1] += rev.indptr[j];
    rev.neighbors.resize(rev.indptr.back());
    rev.similarities.resize(rev.indptr.back());
    std::vector<int64_t> next(rev.indptr.begin(), rev.indptr.end() - 1);
    for (int64_t i = 0; i < nt.rows; ++i) {
      const int64_t n = std::min<int64_t>(options.k, nt.RowSize(i));
      for (int64_t p = nt.indptr[i]; p < nt.indptr[i] + n; ++p) {
        const int64_t q = next[nt.neighbors[p]]++;
        rev.neighbors[q] = static_cast<uint32_t>(i);
        rev.similarities[q] = nt.similarities[p];
      }
    }
  }
  return model;
}

void KnnModel::FitBaselines() {
  // Surprise's baseline_als: alternate closed-form item and user steps.
  const double mu = global_mean_;
  std::vector<double> bu(by_user_.rows, 0.0), bi(by_item_.rows, 0.0);
  for (int epoch = 0; epoch < options_.baseline_epochs; ++epoch) {
    for (int64_t i = 0; i < by_item_.rows; ++i) {
      double dev = 0;
      for (int64_t p = by_item_.indptr[i]; p < by_item_.indptr[i + 1]; ++p) {
        dev += by_item_.data[p] - mu - bu[by_item_.indices[p]];
      }
      const double n = options_.baseline_reg_items + by_item_.RowSize(i);
      bi[i] = n > 0 ? dev / n : 0.0;  // an unrated item keeps bias 0
    }
    for (int64_t u = 0; u < by_user_.rows; ++u) {
      double dev = 0;
      for (int64_t p = by_user_.indptr[u]; p < by_user_.indptr[u + 1]; ++p) {
        dev += by_user_.data[p] - mu - bi[by_user_.indices[p]];
      }
      const double n = options_.baseline_reg_users + by_user_.RowSize(u);
      bu[u] = n > 0 ? dev / n : 0.0;
    }
  }
  user_bias_.assign(bu.begin(), bu.end());
  item_bias_.assign(bi.begin(), bi.end());
}

absl::Status KnnModel::PredictRatings(absl::Span<const uint32_t> users,
                                      absl::Span<const uint32_t> items,
                                      absl::Span<float> out) const {
  if (users.size() != items.size() || users.size() != out.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("knn: ", users.size(), " users, ", items.size(),
                     " items and ", out.size(), " outputs; sizes must match"));
  }
  TAILOR_RETURN_IF_ERROR(CheckIds(users, num_users(), "user"));
  TAILOR_RETURN_IF_ERROR(CheckIds(items, num_items(), "item"));
  const bool user_based = options_.user_based;
  const absl::Span<const uint32_t> xs = user_based ? users : items;
  const int64_t n = static_cast<int64_t>(users.size());
  // Group pairs by entity x so x's similarity row is scattered once.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return xs[a] < xs[b]; });
  std::vector<int64_t> group_start;
  for (int64_t g = 0; g < n; ++g) {
    if (g == 0 || xs[order[g]] != xs[order[g - 1]]) group_start.push_back(g);
  }
  group_start.push_back(n);
  const int64_t num_groups = static_cast<int64_t>(group_start.size()) - 1;
  const bool clip = options_.rating_min < options_.rating_max;
  const size_t k = options_.k;
#pragma omp parallel
  {
    std::vector<float> dense(neighbors_.rows, 0.0f);
    std::vector<Neighbor> candidates;
#pragma omp for schedule(dynamic, 8)
    for (int64_t g = 0; g < num_groups; ++g) {
      const uint32_t x = xs[order[group_start[g]]];
      for (int64_t p = neighbors_.indptr[x]; p < neighbors_.indptr[x + 1];
           ++p) {
        dense[neighbors_.neighbors[p]] = neighbors_.similarities[p];
      }
      for (int64_t t = group_start[g]; t < group_start[g + 1]; ++t) {
        const int64_t pair = order[t];
        const uint32_t u = users[pair], i = items[pair];
        const bool baseline =
            options_.predictor == RatingPredictor::kWithBaseline;
        float est = global_mean_;
        // Surprise: known parts of the baseline even for unknown pairs.
        if (baseline) est += user_bias_[u] + item_bias_[i];
        if (by_user_.RowSize(u) > 0 && by_item_.RowSize(i) > 0) {
          // Candidates: raters of i (user-based) or items rated by u.
          const CsrMatrix& m = user_based ? by_item_ : by_user_;
          const uint32_t y = user_based ? i : u;
          const float y_bias =
              baseline ? (user_based ? item_bias_[i] : user_bias_[u]) : 0.0f;
          const std::vector<float>& nb_bias =
              user_based ? user_bias_ : item_bias_;
          candidates.clear();
          for (int64_t p = m.indptr[y]; p < m.indptr[y + 1]; ++p) {
            const float s = dense[m.indices[p]];
            if (s > 0) candidates.push_back({s, m.indices[p], m.data[p]});
          }
          const size_t take = std::min(k, candidates.size());
          std::partial_sort(candidates.begin(), candidates.begin() + take,
                            candidates.end(), Better);
          double sum_sim = 0, sum = 0;
          for (size_t c = 0; c < take; ++c) {
            const Neighbor& nb = candidates[c];
            sum_sim += nb.sim;
            double centre = 0;
            switch (options_.predictor) {
              case RatingPredictor::kBasic:
                break;
              case RatingPredictor::kWithMeans:
                centre = means_[nb.id];
                break;
              case RatingPredictor::kWithBaseline:
                centre = global_mean_ + nb_bias[nb.id] + y_bias;
                break;
            }
            sum += double{nb.sim} * (nb.rating - centre);
          }
          const bool enough =
              static_cast<int64_t>(take) >= options_.min_k && sum_sim > 0;
          const double offset = enough ? sum / sum_sim : 0.0;
          switch (options_.predictor) {
            case RatingPredictor::kBasic:
              if (enough) est = static_cast<float>(offset);
              break;
            case RatingPredictor::kWithMeans:
              est = static_cast<float>(means_[x] + offset);
              break;
            case RatingPredictor::kWithBaseline:
              est = static_cast<float>(est + offset);
              break;
          }
        }
        if (clip) {
          est =
              std::min(options_.rating_max, std::max(options_.rating_min, est));
        }
        out[pair] = est;
      }
      for (int64_t p = neighbors_.indptr[x]; p < neighbors_.indptr[x + 1];
           ++p) {
        dense[neighbors_.neighbors[p]] = 0.0f;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status KnnModel::ScoreItems(absl::Span<const uint32_t> users,
                                  absl::Span<float> scores) const {
  const int64_t num_items = by_item_.rows;
  if (static_cast<int64_t>(scores.size()) !=
      static_cast<int64_t>(users.size()) * num_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("knn: score block has ", scores.size(), " entries for ",
                     users.size(), " users x ", num_items, " items"));
  }
  TAILOR_RETURN_IF_ERROR(CheckIds(users, num_users(), "user"));
  const int64_t n = static_cast<int64_t>(users.size());
  const int64_t k = options_.k;
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t b = 0; b < n; ++b) {
    float* row = scores.data() + b * num_items;
    std::fill(row, row + num_items, 0.0f);
    const uint32_t u = users[b];
    if (options_.user_based) {
      const int64_t begin = neighbors_.indptr[u];
      const int64_t end = begin + std::min(k, neighbors_.RowSize(u));
      for (int64_t p = begin; p < end; ++p) {
        const uint32_t v = neighbors_.neighbors[p];
        const float s = neighbors_.similarities[p];
        for (int64_t q = by_user_.indptr[v]; q < by_user_.indptr[v + 1]; ++q) {
          row[by_user_.indices[q]] += s;
        }
      }
    } else {
      for (int64_t q = by_user_.indptr[u]; q < by_user_.indptr[u + 1]; ++q) {
        const uint32_t j = by_user_.indices[q];
        for (int64_t p = reverse_.indptr[j]; p < reverse_.indptr[j + 1]; ++p) {
          row[reverse_.neighbors[p]] += reverse_.similarities[p];
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tailor
