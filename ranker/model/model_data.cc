#include "ranker/model/model_data.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor::ranker {
namespace {

absl::Status CheckCsr(const CsrMatrix& m, int64_t rows, int64_t cols,
                      absl::string_view what) {
  if (m.rows != rows || (m.rows > 0 && m.cols != cols) ||
      !ValidateCsr(m).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected ", rows, " x ", cols, ", got ", m.rows,
                     " x ", m.cols, " (or an invalid matrix)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelIndexes> BuildIndexes(const HybridModelData& d) {
  const int64_t n = d.catalogue.size();
  if (static_cast<int64_t>(d.item_factors.size()) != n * d.dim ||
      static_cast<int64_t>(d.has_factors.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "item factors: expected ", n, " rows of ", d.dim, " floats"));
  }
  if (d.user_factors.rows() > 0 && d.user_factors.dim() != d.dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("user factors have ", d.user_factors.dim(),
                     " columns, item factors ", d.dim));
  }
  if (auto s = CheckCsr(d.user_history,
                        static_cast<int64_t>(d.user_history_keys.size()), n,
                        "user history");
      !s.ok()) {
    return s;
  }
  if (d.item_vectors.rows > 0) {
    if (auto s = CheckCsr(d.item_vectors, n, d.item_vectors.cols,
                          "item content vectors");
        !s.ok()) {
      return s;
    }
  }
  if (auto s = CheckCsr(d.user_profiles,
                        static_cast<int64_t>(d.user_profile_keys.size()),
                        d.item_vectors.cols, "user content profiles");
      !s.ok() && d.user_profiles.rows > 0) {
    return s;
  }
  if (d.affinity.segments > 0) {
    if (d.affinity.items != n ||
        static_cast<int>(d.affinity.default_lift.size()) !=
            d.affinity.segments) {
      return absl::InvalidArgumentError("segment affinity: shape mismatch");
    }
    if (auto s = CheckCsr(d.affinity.lift, d.affinity.segments, n,
                          "segment affinity");
        !s.ok()) {
      return s;
    }
  }
  if (static_cast<int64_t>(d.popularity.item_events.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: ", d.popularity.item_events.size(),
                     " items, catalogue ", n));
  }
  ModelIndexes x;
  x.id_to_row = IndexIds(d.catalogue);
  const CsrMatrix& v = d.item_vectors;
  if (v.rows > 0) {
    x.postings.resize(v.cols);
    for (int64_t i = 0; i < v.rows; ++i) {
      for (int64_t e = v.indptr[i]; e < v.indptr[i + 1]; ++e) {
        x.postings[v.indices[e]].push_back({i, v.data[e]});
      }
    }
  }
  if (v.rows > 0 && d.dim > 0) {
    for (int64_t i = 0; i < n; ++i) {
      if (d.has_factors[i] || v.indptr[i] == v.indptr[i + 1]) continue;
      absl::flat_hash_map<int64_t, float> sims;
      for (int64_t e = v.indptr[i]; e < v.indptr[i + 1]; ++e) {
        for (const auto& [j, w] : x.postings[v.indices[e]]) {
          if (d.has_factors[j]) sims[j] += w * v.data[e];
        }
      }
      std::vector<std::pair<float, int64_t>> top;
      for (const auto& [j, sim] : sims) {
        if (sim > 0) top.push_back({-sim, j});
      }
      const size_t k = std::min<size_t>(kImputeNeighbors, top.size());
      if (k == 0) continue;
      std::partial_sort(top.begin(), top.begin() + k, top.end());
      float total = 0;
      for (size_t t = 0; t < k; ++t) total += -top[t].first;
      std::vector<std::pair<int64_t, float>> from;
      std::vector<float> f(d.dim, 0.0f);
      for (size_t t = 0; t < k; ++t) {
        const float w = -top[t].first / total;
        from.push_back({top[t].second, w});
        const float* y = d.item_factors.data() + top[t].second * d.dim;
        for (int c = 0; c < d.dim; ++c) f[c] += w * y[c];
      }
      x.imputed_from.emplace(i, std::move(from));
      x.imputed_factors.emplace(i, std::move(f));
    }
  }
  if (d.affinity.segments > 0) {
    x.segment_evidence.assign(n, 0);
    for (uint32_t i : d.affinity.lift.indices) x.segment_evidence[i] = 1;
  }
  for (const auto& [feature, values] : d.popularity.by_context) {
    for (const auto& [value, counts] : values) {
      auto& events = x.context_events[feature][value];
      float max_events = 0;
      for (const auto& [row, c] : counts.items) {
        events[row] = static_cast<float>(c);
        max_events = std::max(max_events, static_cast<float>(c));
      }
      x.context_log_max[feature][value] = std::log1p(max_events);
    }
  }
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  const int64_t top = std::min<int64_t>(n, kTopPerList);
  auto by_events = [&](int64_t a, int64_t b) {
    const double ea = d.popularity.item_events[a],
                 eb = d.popularity.item_events[b];
    return ea != eb ? ea > eb : a < b;
  };
  std::partial_sort(order.begin(), order.begin() + top, order.end(), by_events);
  x.popular_top.assign(order.begin(), order.begin() + top);
  for (int s = 0; s < d.affinity.segments; ++s) {
    std::vector<std::pair<float, int64_t>> row;
    for (int64_t e = d.affinity.lift.indptr[s];
         e < d.affinity.lift.indptr[s + 1]; ++e) {
      row.push_back({-d.affinity.lift.data[e], d.affinity.lift.indices[e]});
    }
    std::sort(row.begin(), row.end());
    if (static_cast<int64_t>(row.size()) > kTopPerList) row.resize(kTopPerList);
    x.segment_top.emplace_back();
    for (const auto& [neg, item] : row) x.segment_top.back().push_back(item);
  }
  return x;
}

int64_t MemoryBytes(const HybridModelData& d, const ModelIndexes& x) {
  auto csr = [](const CsrMatrix& m) {
    return static_cast<int64_t>(m.indptr.size() * 8 + m.indices.size() * 4 +
                                m.data.size() * 4);
  };
  int64_t bytes = d.item_factors.size() * 4 + d.has_factors.size() +
                  d.user_factors.data().size() * 4 +
                  d.user_factors.keys().size() * 8 + csr(d.user_history) +
                  d.user_history_keys.size() * 8 + csr(d.item_vectors) +
                  csr(d.user_profiles) + d.user_profile_keys.size() * 8 +
                  csr(d.affinity.lift) + d.segments.user_keys.size() * 16 +
                  d.catalogue.size() * 64;
  for (const auto& s : d.catalogue.descriptions) bytes += s.size();
  for (const auto& p : x.postings) bytes += p.size() * 16;
  for (const auto& [f, values] : x.context_events) {
    for (const auto& [v, m] : values) bytes += m.size() * 24;
  }
  return bytes;
}

}  // namespace tailor::ranker
