#include "ranker/model/blend_learner.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace tailor::ranker {

RankingMetrics Evaluate(const std::vector<BlendQuery>& queries,
                        const Features& weights, int k) {
  RankingMetrics m;
  std::vector<float> scores;
  std::vector<int64_t> order;
  for (const BlendQuery& q : queries) {
    const int64_t n = static_cast<int64_t>(q.features.size());
    int64_t relevant = 0;
    for (uint8_t r : q.relevant) relevant += r;
    if (relevant == 0 || n == 0) continue;
    scores.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      float s = 0;
      for (int c = 0; c < kComponents; ++c) s += weights[c] * q.features[i][c];
      scores[i] = s;
    }
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    const int64_t top = std::min<int64_t>(k, n);
    auto before = [&](int64_t a, int64_t b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
    };
    std::partial_sort(order.begin(), order.begin() + top, order.end(), before);
    double dcg = 0, idcg = 0;
    int64_t hits = 0;
    for (int64_t r = 0; r < top; ++r) {
      if (q.relevant[order[r]]) {
        ++hits;
        dcg += 1.0 / std::log2(r + 2.0);
      }
    }
    const int64_t ideal = std::min<int64_t>(relevant, k);
    for (int64_t r = 0; r < ideal; ++r) idcg += 1.0 / std::log2(r + 2.0);
    m.recall += static_cast<double>(hits) / static_cast<double>(ideal);
    m.ndcg += dcg / idcg;
    ++m.queries;
  }
  if (m.queries > 0) {
    m.recall /= m.queries;
    m.ndcg /= m.queries;
  }
  return m;
}

BlendWeights LearnBlend(const std::vector<BlendQuery>& queries,
                        const BlendWeights& start,
                        const BlendLearnOptions& options) {
  BlendWeights out = start;
  Features w = start.weights;
  double best = Evaluate(queries, w, options.k).ndcg;
  const double initial = best;
  int rounds = 0;
  for (; rounds < options.max_rounds; ++rounds) {
    bool improved = false;
    for (int c = 0; c < kComponents; ++c) {
      std::vector<float> values = options.grid;
      if (c == kSegment) {
        for (float g : options.grid) {
          if (g > 0) values.push_back(-g);
        }
      }
      for (float v : values) {
        if (v == w[c]) continue;
        Features trial = w;
        trial[c] = v;
        bool all_zero = true;
        for (float t : trial) all_zero = all_zero && t == 0;
        if (all_zero) continue;
        const double metric = Evaluate(queries, trial, options.k).ndcg;
        if (metric > best + 1e-9) {
          best = metric;
          w = trial;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  out.weights = w;
  out.method = absl::StrCat("coordinate ascent on mean NDCG@", options.k,
                            " over a validation split");
  const RankingMetrics m = Evaluate(queries, w, options.k);
  out.validation = {{"queries", m.queries},  {"k", options.k},
                    {"ndcg", m.ndcg},        {"recall", m.recall},
                    {"ndcg_start", initial}, {"rounds", rounds}};
  return out;
}

}  // namespace tailor::ranker
