#include "trainer/marketing/kmeans.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

constexpr int64_t kChunk = 4096;  // points per task; fixes the sum order
constexpr float kFar = 1e15f;     // padding centroid coordinate

// Centroids transposed for the distance kernel: ct[j * kpad + c], k padded
// to a multiple of 8 with far-away dummies.
struct Transposed {
  int k = 0, kpad = 0, dim = 0;
  std::vector<float> ct;
};

Transposed Transpose(const float* c, int k, int dim) {
  Transposed t;
  t.k = k;
  t.dim = dim;
  t.kpad = (k + 7) / 8 * 8;
  t.ct.assign(static_cast<size_t>(t.kpad) * dim, kFar);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < dim; ++j) t.ct[j * t.kpad + i] = c[i * dim + j];
  }
  return t;
}

template <int NB>
inline void DistanceBlocks(const float* x, const Transposed& t, int b0,
                           float* out) {
  __m256 acc[NB];
  for (int b = 0; b < NB; ++b) acc[b] = _mm256_setzero_ps();
  const float* ct = t.ct.data() + b0 * 8;
  for (int j = 0; j < t.dim; ++j) {
    const __m256 xj = _mm256_broadcast_ss(x + j);
    const float* row = ct + static_cast<size_t>(j) * t.kpad;
    for (int b = 0; b < NB; ++b) {
      const __m256 diff = _mm256_sub_ps(xj, _mm256_loadu_ps(row + 8 * b));
      acc[b] = _mm256_fmadd_ps(diff, diff, acc[b]);
    }
  }
  for (int b = 0; b < NB; ++b) _mm256_storeu_ps(out + b0 * 8 + 8 * b, acc[b]);
}

// Squared distances from x to all kpad (padded) centroids.
inline void AllDistances(const float* x, const Transposed& t, float* out) {
  int b = 0;
  const int blocks = t.kpad / 8;
  for (; b + 4 <= blocks; b += 4) DistanceBlocks<4>(x, t, b, out);
  switch (blocks - b) {
    case 3:
      DistanceBlocks<3>(x, t, b, out);
      break;
    case 2:
      DistanceBlocks<2>(x, t, b, out);
      break;
    case 1:
      DistanceBlocks<1>(x, t, b, out);
      break;
    default:
      break;
  }
}

inline float Distance2(const float* a, const float* b, int dim) {
  int j = 0;
  float s = 0;
  if (dim >= 8) {
    __m256 acc = _mm256_setzero_ps();
    for (; j + 8 <= dim; j += 8) {
      const __m256 d =
          _mm256_sub_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j));
      acc = _mm256_fmadd_ps(d, d, acc);
    }
    __m128 h =
        _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    s = _mm_cvtss_f32(h);
  }
  for (; j < dim; ++j) {
    const float d = a[j] - b[j];
    s += d * d;
  }
  return s;
}

// SplitMix64-seeded xorshift generator with doubles in [0, 1).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Uniform() { return (Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

struct Problem {
  const float* x;
  int64_t n;
  int dim;
  int64_t chunks;
};

// Greedy k-means++ (as scikit-learn's default init): each step draws
// `trials` candidates with probability proportional to the squared distance
// to the nearest chosen center and keeps the one that lowers the potential
// most. Exact pruning: a point whose nearest center is a cannot get closer
// to candidate c when d(c, a) >= 2 d(x, a) (triangle inequality), so its
// distances are only computed when some candidate is nearer to a than that.
struct Seeding {
  std::vector<float> centers;    // k x dim
  std::vector<int32_t> nearest;  // index of each point's nearest center
  std::vector<float> closest;    // squared distance to it
};

Seeding KMeansPlusPlus(const Problem& p, int k, Rng& rng,
                       int64_t* evaluations) {
  const int dim = p.dim;
  std::vector<float> centers(static_cast<size_t>(k) * dim);
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  const int64_t first = static_cast<int64_t>(rng.Uniform() * p.n);
  std::copy_n(p.x + first * dim, dim, centers.begin());
  std::vector<float> closest(p.n);
  std::vector<int32_t> nearest(p.n, 0);
  std::vector<double> chunk_pot(p.chunks * trials);
  std::vector<int64_t> chunk_evals(p.chunks);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t c = 0; c < p.chunks; ++c) {
    const int64_t end = std::min(p.n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i) {
      closest[i] = Distance2(p.x + i * dim, centers.data(), dim);
    }
  }
  *evaluations += p.n;
  std::vector<double> cumsum(p.n);
  std::vector<float> candidates(static_cast<size_t>(trials) * dim);
  std::vector<float> gap2(static_cast<size_t>(trials) * k);
  // cand_d[t * n + i]: min(closest[i], d(x_i, candidate t)) of this step.
  std::vector<float> cand_d(static_cast<size_t>(trials) * p.n);
  for (int center = 1; center < k; ++center) {
    double running = 0;
    for (int64_t i = 0; i < p.n; ++i) cumsum[i] = running += closest[i];
    for (int t = 0; t < trials; ++t) {
      const double r = rng.Uniform() * running;
      // The first point whose cumulative potential reaches r.
      const int64_t id =
          std::lower_bound(cumsum.begin(), cumsum.end(), r) - cumsum.begin();
      std::copy_n(p.x + std::min(id, p.n - 1) * dim, dim,
                  candidates.begin() + t * dim);
    }
    // gap2[t * k + a]: squared distance from candidate t to center a.
    for (int t = 0; t < trials; ++t) {
      for (int a = 0; a < center; ++a) {
        gap2[t * k + a] = Distance2(centers.data() + a * dim,
                                    candidates.data() + t * dim, dim);
      }
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t c = 0; c < p.chunks; ++c) {
      double pot[8] = {0};
      int64_t evals = 0;
      const int64_t end = std::min(p.n, (c + 1) * kChunk);
      for (int64_t i = c * kChunk; i < end; ++i) {
        const float d0 = closest[i], limit = 4.0f * d0;
        const int32_t a = nearest[i];
        for (int t = 0; t < trials; ++t) {
          float d = d0;
          if (gap2[t * k + a] < limit) {
            d = std::min(
                d0, Distance2(p.x + i * dim, candidates.data() + t * dim, dim));
            ++evals;
          }
          cand_d[t * p.n + i] = d;
          pot[t] += d;
        }
      }
      for (int t = 0; t < trials; ++t) chunk_pot[c * trials + t] = pot[t];
      chunk_evals[c] = evals;
    }
    for (int64_t e : chunk_evals) *evaluations += e;
    int best = 0;
    double best_pot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      double pot = 0;
      for (int64_t c = 0; c < p.chunks; ++c) pot += chunk_pot[c * trials + t];
      if (pot < best_pot) {
        best_pot = pot;
        best = t;
      }
    }
    const float* chosen = candidates.data() + best * dim;
    std::copy_n(chosen, dim, centers.begin() + center * dim);
    // The chosen candidate's distances were kept by the pass above.
    const float* chosen_d = cand_d.data() + best * p.n;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < p.n; ++i) {
      if (chosen_d[i] < closest[i]) {
        closest[i] = chosen_d[i];
        nearest[i] = center;
      }
    }
  }
  return Seeding{std::move(centers), std::move(nearest), std::move(closest)};
}

struct Single {
  std::vector<float> centroids;
  std::vector<int32_t> labels;
  double inertia = 0;
  int iterations = 0;
};

// Per-chunk label changes: sum and count deltas per cluster.
struct ChunkDelta {
  bool changed = false;
  std::vector<double> sum;
  std::vector<int64_t> count;
};

// Lloyd iterations from `seed`, whose assignment (exact nearest centers of
// the seeding) serves as the first E-step.
Single Lloyd(const Problem& p, Seeding seed, int k, int max_iterations,
             double tolerance, int64_t* evaluations) {
  std::vector<float> centers = std::move(seed.centers);
  const int dim = p.dim;
  Single out;
  out.labels = std::move(seed.nearest);
  std::vector<float> upper(p.n);
  for (int64_t i = 0; i < p.n; ++i) upper[i] = std::sqrt(seed.closest[i]);
  std::vector<float> lower(p.n, 0.0f);  // second-nearest unknown: 0
  std::vector<double> sums(static_cast<size_t>(k) * dim, 0.0);
  std::vector<int64_t> counts(k, 0);
  std::vector<ChunkDelta> deltas(p.chunks);
  std::vector<float> half_gap(k), moved(k, 0.0f);
  float max_move = 0, second_move = 0;
  int max_move_cluster = -1;
  std::vector<int64_t> chunk_evals(p.chunks);
  bool strict = false;

  // One assignment pass with the current centers; returns label changes.
  auto assign = [&](const Transposed& t) {
    int64_t changes = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : changes)
    for (int64_t c = 0; c < p.chunks; ++c) {
      float d[1024];
      ChunkDelta& delta = deltas[c];
      delta.changed = false;
      int64_t evals = 0;
      const int64_t end = std::min(p.n, (c + 1) * kChunk);
      for (int64_t i = c * kChunk; i < end; ++i) {
        const int32_t a = out.labels[i];
        if (a >= 0) {  // move the bounds by the last centroid shift
          upper[i] += moved[a];
          lower[i] -= (a == max_move_cluster) ? second_move : max_move;
        }
        const float* x = p.x + i * dim;
        const float m = std::max(a >= 0 ? half_gap[a] : 0.0f, lower[i]);
        if (upper[i] <= m) continue;
        if (a >= 0) {
          upper[i] = std::sqrt(Distance2(x, centers.data() + a * dim, dim));
          ++evals;
          if (upper[i] <= m) continue;
        }
        AllDistances(x, t, d);
        evals += k;
        int best = 0;
        float d1 = d[0], d2 = std::numeric_limits<float>::infinity();
        for (int j = 1; j < k; ++j) {
          if (d[j] < d1) {
            d2 = d1;
            d1 = d[j];
            best = j;
          } else if (d[j] < d2) {
            d2 = d[j];
          }
        }
        upper[i] = std::sqrt(d1);
        lower[i] = std::sqrt(d2);
        if (best == a) continue;
        if (!delta.changed) {
          delta.changed = true;
          delta.sum.assign(static_cast<size_t>(k) * dim, 0.0);
          delta.count.assign(k, 0);
        }
        for (int j = 0; j < dim; ++j) delta.sum[best * dim + j] += x[j];
        ++delta.count[best];
        if (a >= 0) {
          for (int j = 0; j < dim; ++j) delta.sum[a * dim + j] -= x[j];
          --delta.count[a];
        }
        out.labels[i] = best;
        ++changes;
      }
      chunk_evals[c] = evals;
    }
    for (int64_t c = 0; c < p.chunks; ++c) *evaluations += chunk_evals[c];
    std::fill(moved.begin(), moved.end(), 0.0f);
    max_move = second_move = 0;
    max_move_cluster = -1;
    return changes;
  };

  for (int iter = 0; iter < max_iterations; ++iter) {
    const Transposed t = Transpose(centers.data(), k, dim);
    for (int a = 0; a < k; ++a) {
      float gap = std::numeric_limits<float>::infinity();
      for (int b = 0; b < k; ++b) {
        if (b != a) {
          gap = std::min(gap, Distance2(centers.data() + a * dim,
                                        centers.data() + b * dim, dim));
        }
      }
      half_gap[a] = k > 1 ? 0.5f * std::sqrt(gap) : 0.0f;
    }
    int64_t changes;
    if (iter == 0) {  // the seeding's assignment: sums from scratch
      changes = p.n;
#pragma omp parallel for schedule(dynamic, 1)
      for (int64_t c = 0; c < p.chunks; ++c) {
        ChunkDelta& delta = deltas[c];
        delta.changed = true;
        delta.sum.assign(static_cast<size_t>(k) * dim, 0.0);
        delta.count.assign(k, 0);
        const int64_t end = std::min(p.n, (c + 1) * kChunk);
        for (int64_t i = c * kChunk; i < end; ++i) {
          const int32_t a = out.labels[i];
          for (int j = 0; j < dim; ++j)
            delta.sum[a * dim + j] += p.x[i * dim + j];
          ++delta.count[a];
        }
      }
    } else {
      changes = assign(t);
    }
    out.iterations = iter + 1;
    if (changes == 0) {
      strict = true;
      break;
    }
    for (int64_t c = 0; c < p.chunks; ++c) {
      if (!deltas[c].changed) continue;
      for (size_t j = 0; j < sums.size(); ++j) sums[j] += deltas[c].sum[j];
      for (int a = 0; a < k; ++a) counts[a] += deltas[c].count[a];
    }
    double shift = 0;
    for (int a = 0; a < k; ++a) {
      if (counts[a] == 0) continue;  // empty: the centroid stays
      float* center = centers.data() + a * dim;
      float move2 = 0;
      for (int j = 0; j < dim; ++j) {
        const float updated = static_cast<float>(sums[a * dim + j] / counts[a]);
        move2 += (updated - center[j]) * (updated - center[j]);
        center[j] = updated;
      }
      moved[a] = std::sqrt(move2);
      shift += move2;
      if (moved[a] > max_move) {
        second_move = max_move;
        max_move = moved[a];
        max_move_cluster = a;
      } else if (moved[a] > second_move) {
        second_move = moved[a];
      }
    }
    if (shift <= tolerance) break;
  }
  if (!strict) {  // labels consistent with the final centers
    for (int a = 0; a < k; ++a) {
      float gap = std::numeric_limits<float>::infinity();
      for (int b = 0; b < k; ++b) {
        if (b != a) {
          gap = std::min(gap, Distance2(centers.data() + a * dim,
                                        centers.data() + b * dim, dim));
        }
      }
      half_gap[a] = k > 1 ? 0.5f * std::sqrt(gap) : 0.0f;
    }
    assign(Transpose(centers.data(), k, dim));
  }
  std::vector<double> chunk_inertia(p.chunks);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t c = 0; c < p.chunks; ++c) {
    double s = 0;
    const int64_t end = std::min(p.n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i) {
      s += Distance2(p.x + i * dim, centers.data() + out.labels[i] * dim, dim);
    }
    chunk_inertia[c] = s;
  }
  for (double s : chunk_inertia) out.inertia += s;
  out.centroids = std::move(centers);
  return out;
}

}  // namespace

absl::StatusOr<KMeansResult> RunKMeans(absl::Span<const float> points, int dim,
                                       const KMeansOptions& options) {
  if (dim < 1 || points.size() % dim != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "k-means: ", points.size(), " values do not form points of dim ", dim));
  }
  const int64_t n = static_cast<int64_t>(points.size()) / dim;
  const int k = options.k;
  if (k < 1 || k > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("k-means: k = ", k, " is outside 1..1000"));
  }
  if (k > n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "k-means: k = ", k, " is larger than the number of points (", n, ")"));
  }
  if (options.restarts < 1 || options.max_iterations < 1) {
    return absl::InvalidArgumentError(
        "k-means: restarts and max_iterations must be >= 1");
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "k-means: value ", i % dim, " of point ", i / dim, " is not finite"));
    }
  }
  Problem p{points.data(), n, dim, (n + kChunk - 1) / kChunk};
  // Absolute tolerance: tolerance * mean over dimensions of the variance.
  std::vector<double> sum(dim, 0.0), sum2(dim, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < dim; ++j) {
      const double v = points[i * dim + j];
      sum[j] += v;
      sum2[j] += v * v;
    }
  }
  double var_sum = 0;
  for (int j = 0; j < dim; ++j) {
    const double mean = sum[j] / n;
    var_sum += std::max(0.0, sum2[j] / n - mean * mean);
  }
  const double tolerance = options.tolerance * var_sum / dim;
  KMeansResult result;
  result.k = k;
  result.dim = dim;
  result.inertia = std::numeric_limits<double>::infinity();
  for (int r = 0; r < options.restarts; ++r) {
    Rng rng(options.seed * 0x2545F4914F6CDD1Dull + r);
    Seeding init = KMeansPlusPlus(p, k, rng, &result.distance_evaluations);
    Single s = Lloyd(p, std::move(init), k, options.max_iterations, tolerance,
                     &result.distance_evaluations);
    result.restart_inertia.push_back(s.inertia);
    if (s.inertia < result.inertia) {
      result.inertia = s.inertia;
      result.centroids = std::move(s.centroids);
      result.labels = std::move(s.labels);
      result.iterations = s.iterations;
      result.best_restart = r;
    }
  }
  return result;
}

double NearestCentroidInertia(absl::Span<const float> points, int dim,
                              absl::Span<const float> centroids) {
  const int64_t n = static_cast<int64_t>(points.size()) / dim;
  const int k = static_cast<int>(centroids.size()) / dim;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    float best = std::numeric_limits<float>::infinity();
    for (int c = 0; c < k; ++c) {
      best = std::min(best, Distance2(points.data() + i * dim,
                                      centroids.data() + c * dim, dim));
    }
    total += best;
  }
  return total;
}

}  // namespace tailor
