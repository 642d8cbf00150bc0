#include "ranker/model/mmr.h"

#include <algorithm>
#include <limits>

namespace tailor::ranker {

std::vector<int64_t> MmrOrder(
    absl::Span<const float> scores,
    const std::function<float(int64_t, int64_t)>& similarity, int64_t count,
    float lambda) {
  const int64_t n = static_cast<int64_t>(scores.size());
  count = std::min(count, n);
  std::vector<int64_t> order;
  if (count <= 0) return order;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (float s : scores) {
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  const float range = hi > lo ? hi - lo : 1.0f;
  std::vector<float> max_sim(n, 0.0f);
  std::vector<uint8_t> picked(n, 0);
  order.reserve(count);
  while (static_cast<int64_t>(order.size()) < count) {
    int64_t best = -1;
    float best_value = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      if (picked[i]) continue;
      const float rel = (scores[i] - lo) / range;
      const float value = (1 - lambda) * rel - lambda * max_sim[i];
      if (value > best_value ||
          (value == best_value && best >= 0 && scores[i] > scores[best])) {
        best = i;
        best_value = value;
      }
    }
    picked[best] = 1;
    order.push_back(best);
    if (lambda > 0) {
      for (int64_t i = 0; i < n; ++i) {
        if (!picked[i]) max_sim[i] = std::max(max_sim[i], similarity(i, best));
      }
    }
  }
  return order;
}

}  // namespace tailor::ranker
