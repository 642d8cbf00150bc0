#include "ranker/scoring/scan_kernels.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tailor::ranker::internal {
namespace {

std::vector<float> RandomVector(size_t n, std::mt19937* rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(*rng);
  return v;
}

double NaiveDot(const float* a, const float* b, int dim) {
  double sum = 0;
  for (int j = 0; j < dim; ++j) sum += double{a[j]} * b[j];
  return sum;
}

// 32-byte aligned storage for the kernels' aligned loads.
template <typename T>
struct Aligned {
  explicit Aligned(size_t n)
      : data(static_cast<T*>(
            std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64))) {}
  ~Aligned() { std::free(data); }
  T* data;
};

// `rescore(thresholds, masks, mask_stride)` re-runs a kernel with masks:
// its scores must be `scores` and mask bit l of panel k of query i must say
// whether that score reaches thresholds[i] (a median-ish bar, -inf, +inf).
template <typename Rescore>
void ExpectMasksMatch(const std::vector<float>& scores, int nq, int64_t panels,
                      int64_t stride, Rescore rescore) {
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<float> thresholds(nq);
    for (int i = 0; i < nq; ++i) {
      thresholds[i] = kind == 0   ? scores[i * stride]
                      : kind == 1 ? -std::numeric_limits<float>::infinity()
                                  : std::numeric_limits<float>::infinity();
    }
    const int64_t mask_stride = panels + 3;
    std::vector<uint8_t> masks(nq * mask_stride, 0xAA);
    const std::vector<float> again =
        rescore(thresholds.data(), masks.data(), mask_stride);
    ASSERT_EQ(again, scores);
    for (int i = 0; i < nq; ++i) {
      for (int64_t k = 0; k < panels; ++k) {
        for (int l = 0; l < kPanelItems; ++l) {
          const bool want =
              scores[i * stride + k * kPanelItems + l] >= thresholds[i];
          ASSERT_EQ(((masks[i * mask_stride + k] >> l) & 1) != 0, want)
              << "query " << i << " panel " << k << " lane " << l;
        }
      }
      ASSERT_EQ(masks[i * mask_stride + panels], 0xAA);  // not written
    }
  }
}

TEST(ScanKernelsTest, FloatPanelsMatchNaiveDotsForEveryTileShape) {
  std::mt19937 rng(11);
  for (int dim : {1, 3, 8, 13, 64, 65}) {
    for (int64_t n : {1, 7, 8, 9, 61, 200}) {
      const std::vector<float> rows = RandomVector(n * dim, &rng);
      Aligned<float> panels(NumPanels(n) * dim * kPanelItems);
      PackFloatPanels(rows.data(), n, dim, panels.data);
      for (int nq = 1; nq <= kMaxQueryTile; ++nq) {
        const std::vector<float> queries = RandomVector(nq * dim, &rng);
        const float* q[kMaxQueryTile];
        for (int i = 0; i < nq; ++i) q[i] = queries.data() + i * dim;
        const int64_t p0 = NumPanels(n) > 1 ? 1 : 0;
        const int64_t p1 = NumPanels(n);
        const int64_t stride = (p1 - p0) * kPanelItems + 5;
        std::vector<float> scores(nq * stride, -1.0f);
        ScoreFloatPanels(panels.data, dim, p0, p1, q, nq, scores.data(),
                         stride);
        ExpectMasksMatch(scores, nq, p1 - p0, stride,
                         [&](const float* t, uint8_t* m, int64_t ms) {
                           std::vector<float> again(scores.size(), -1.0f);
                           ScoreFloatPanels(panels.data, dim, p0, p1, q, nq,
                                            again.data(), stride, t, m, ms);
                           return again;
                         });
        for (int i = 0; i < nq; ++i) {
          for (int64_t item = p0 * kPanelItems; item < p1 * kPanelItems;
               ++item) {
            const float got = scores[i * stride + item - p0 * kPanelItems];
            const double want =
                item < n ? NaiveDot(q[i], rows.data() + item * dim, dim) : 0.0;
            EXPECT_NEAR(got, want, 1e-4 * (1 + std::sqrt(dim)))
                << "dim " << dim << " n " << n << " nq " << nq << " item "
                << item;
          }
        }
      }
    }
  }
}

TEST(ScanKernelsTest, Int8PanelsStayWithinTheQuantizationBound) {
  std::mt19937 rng(12);
  for (int dim : {1, 5, 16, 64, 67}) {
    const int64_t n = 77;
    const std::vector<float> rows = RandomVector(n * dim, &rng);
    const int dim4 = Int8Dim(dim);
    Aligned<uint8_t> panels(NumPanels(n) * dim4 * kPanelItems);
    std::vector<float> scales(NumPanels(n) * kPanelItems);
    PackInt8Panels(rows.data(), n, dim, panels.data, scales.data());
    for (int nq = 1; nq <= kMaxQueryTile; ++nq) {
      const std::vector<float> queries = RandomVector(nq * dim, &rng);
      std::vector<int8_t> qbytes(nq * dim4);
      std::vector<float> qscale(nq);
      std::vector<int32_t> qoffset(nq);
      const int8_t* q[kMaxQueryTile];
      for (int i = 0; i < nq; ++i) {
        QuantizeQuery(queries.data() + i * dim, dim, qbytes.data() + i * dim4,
                      &qscale[i], &qoffset[i]);
        q[i] = qbytes.data() + i * dim4;
        for (int j = 0; j < dim4; ++j) {
          ASSERT_LE(std::abs(q[i][j]), 63);
          if (j >= dim) {
            ASSERT_EQ(q[i][j], 0);
          }
        }
      }
      const int64_t stride = NumPanels(n) * kPanelItems;
      std::vector<float> scores(nq * stride);
      ScoreInt8Panels(panels.data, scales.data(), dim, 0, NumPanels(n), q,
                      qscale.data(), qoffset.data(), nq, scores.data(), stride,
                      /*use_vnni=*/false);
      if (CpuHasAvxVnni()) {
        // Same integer sums, so bit-identical scores.
        std::vector<float> vnni(nq * stride);
        ScoreInt8Panels(panels.data, scales.data(), dim, 0, NumPanels(n), q,
                        qscale.data(), qoffset.data(), nq, vnni.data(), stride,
                        /*use_vnni=*/true);
        for (size_t k = 0; k < vnni.size(); ++k) {
          ASSERT_EQ(vnni[k], scores[k]) << "dim " << dim << " nq " << nq;
        }
      }
      ExpectMasksMatch(scores, nq, NumPanels(n), stride,
                       [&](const float* t, uint8_t* m, int64_t ms) {
                         std::vector<float> again(scores.size());
                         ScoreInt8Panels(panels.data, scales.data(), dim, 0,
                                         NumPanels(n), q, qscale.data(),
                                         qoffset.data(), nq, again.data(),
                                         stride, CpuHasAvxVnni(), t, m, ms);
                         return again;
                       });
      std::vector<float> norms(NumPanels(n) * kPanelItems);
      std::vector<float> residuals(NumPanels(n) * kPanelItems);
      Int8ErrorNorms(rows.data(), n, dim, panels.data, scales.data(),
                     norms.data(), residuals.data());
      for (int i = 0; i < nq; ++i) {
        const float* y = queries.data() + i * dim;
        // The bound the exact int8 mode uses: |x.y - approx| <=
        // |y - y^|_2 |y~|_2 ... with y the query: |dq|_2 |x^|_2 + |y|_2 |dx|_2.
        double dq2 = 0, y2 = 0;
        for (int j = 0; j < dim; ++j) {
          const double d = y[j] - double{qscale[i]} * q[i][j];
          dq2 += d * d;
          y2 += double{y[j]} * y[j];
        }
        for (int64_t item = 0; item < n; ++item) {
          const float* x = rows.data() + item * dim;
          const double l2_bound = std::sqrt(dq2) * norms[item] +
                                  std::sqrt(y2) * residuals[item] + 1e-5;
          EXPECT_NEAR(scores[i * stride + item], NaiveDot(x, y, dim), l2_bound)
              << "dim " << dim << " nq " << nq << " item " << item;
        }
        for (int64_t item = 0; item < n; ++item) {
          const float* x = rows.data() + item * dim;
          double sum_x = 0, sum_y = 0;
          for (int j = 0; j < dim; ++j) {
            sum_x += std::fabs(x[j]);
            sum_y += std::fabs(y[j]);
          }
          // |x - x~| <= s_x / 2 and |y - y~| <= s_y / 2 per element.
          const double bound = sum_x * qscale[i] / 2 +
                               sum_y * scales[item] / 2 +
                               dim * scales[item] * qscale[i] / 4 + 1e-4;
          EXPECT_NEAR(scores[i * stride + item], NaiveDot(x, y, dim), bound)
              << "dim " << dim << " nq " << nq << " item " << item;
        }
      }
    }
  }
}

TEST(ScanKernelsTest, DotFloatMatchesNaive) {
  std::mt19937 rng(13);
  for (int dim : {1, 7, 8, 15, 16, 17, 64, 100}) {
    const std::vector<float> a = RandomVector(dim, &rng);
    const std::vector<float> b = RandomVector(dim, &rng);
    EXPECT_NEAR(DotFloat(a.data(), b.data(), dim),
                NaiveDot(a.data(), b.data(), dim), 1e-4 * (1 + dim));
  }
}

}  // namespace
}  // namespace tailor::ranker::internal
