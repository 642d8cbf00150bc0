#include "trainer/marketing/silhouette.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<double> SampledSilhouette(absl::Span<const float> points,
                                         int dim,
                                         absl::Span<const int32_t> labels,
                                         int k, int64_t sample_size,
                                         uint64_t seed) {
  if (dim < 1 || points.size() != labels.size() * dim || k < 1 ||
      sample_size < 2) {
    return absl::InvalidArgumentError(
        "silhouette: points, labels, k or sample size do not agree");
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= k) {
      return absl::InvalidArgumentError(absl::StrCat("silhouette: label ",
                                                     labels[i], " of point ", i,
                                                     " outside 0..", k - 1));
    }
  }
  std::vector<int64_t> sample(n);
  std::iota(sample.begin(), sample.end(), 0);
  if (n > sample_size) {  // partial Fisher-Yates with a fixed generator
    std::mt19937_64 rng(seed);
    for (int64_t i = 0; i < sample_size; ++i) {
      const int64_t j = i + static_cast<int64_t>(rng() % (n - i));
      std::swap(sample[i], sample[j]);
    }
    sample.resize(sample_size);
    std::sort(sample.begin(), sample.end());
  }
  const int64_t s = static_cast<int64_t>(sample.size());
  std::vector<int64_t> size(k, 0);
  for (int64_t i : sample) ++size[labels[i]];
  const int present = static_cast<int>(
      std::count_if(size.begin(), size.end(), [](int64_t c) { return c > 0; }));
  if (present < 2 || present >= s) {
    return absl::InvalidArgumentError(absl::StrCat("silhouette needs 2 to ",
                                                   s - 1, " clusters among ", s,
                                                   " points; found ", present));
  }
  std::vector<double> value(s, 0.0);
#pragma omp parallel for schedule(dynamic, 16)
  for (int64_t a = 0; a < s; ++a) {
    std::vector<double> sum(k, 0.0);
    const float* x = points.data() + sample[a] * dim;
    for (int64_t b = 0; b < s; ++b) {
      const float* y = points.data() + sample[b] * dim;
      float d2 = 0;
      for (int j = 0; j < dim; ++j) d2 += (x[j] - y[j]) * (x[j] - y[j]);
      sum[labels[sample[b]]] += std::sqrt(d2);
    }
    const int own = labels[sample[a]];
    if (size[own] <= 1) continue;  // alone: 0
    const double in = sum[own] / (size[own] - 1);
    double out = INFINITY;
    for (int c = 0; c < k; ++c) {
      if (c != own && size[c] > 0) out = std::min(out, sum[c] / size[c]);
    }
    const double denom = std::max(in, out);
    value[a] = denom > 0 ? (out - in) / denom : 0.0;
  }
  return std::accumulate(value.begin(), value.end(), 0.0) / s;
}

}  // namespace tailor
