#include "trainer/sgd/sgd_kernels.h"

#include <cmath>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "trainer/sgd/sgd_random.h"
#include "trainer/sgd/test_matrices.h"

namespace tailor {
namespace {

// Parameters of one example: all the floats a step may change.
struct Example {
  std::vector<float> p, q, q2;
  float bu = 0.1f, bi = -0.2f, bj = 0.3f;
};

Example RandomExample(int k, uint64_t seed, bool positive) {
  SplitMix64 rng(seed);
  Example x;
  auto fill = [&](std::vector<float>& v) {
    v.resize(k);
    for (float& f : v) {
      f = 0.4f * rng.Normal();
      if (positive) f = 0.2f + std::fabs(f);
    }
  };
  fill(x.p);
  fill(x.q);
  fill(x.q2);
  return x;
}

// The float parameters of an Example in a fixed order.
std::vector<float*> Params(Example& x) {
  std::vector<float*> out;
  for (auto* v : {&x.p, &x.q, &x.q2})
    for (float& f : *v) out.push_back(&f);
  out.push_back(&x.bu);
  out.push_back(&x.bi);
  out.push_back(&x.bj);
  return out;
}

// Checks that one step with learning rate eta moves every parameter by
// -eta * dLoss/dparam, the derivative taken by central differences.
void CheckGradient(const SgdStepParams& s,
                   const std::function<void(Example&)>& step,
                   const std::function<double(Example&)>& loss, Example x) {
  Example after = x;
  step(after);
  std::vector<float*> before_params = Params(x);
  std::vector<float*> after_params = Params(after);
  const int n = static_cast<int>(before_params.size());
  for (int t = 0; t < n; ++t) {
    const bool is_bias = t >= n - 3;
    const float eta = is_bias ? s.bias_learning_rate : s.learning_rate;
    const double analytic =
        (static_cast<double>(*before_params[t]) - *after_params[t]) / eta;
    const float saved = *before_params[t];
    const float h = 1e-3f;
    *before_params[t] = saved + h;
    const double up = loss(x);
    *before_params[t] = saved - h;
    const double down = loss(x);
    *before_params[t] = saved;
    const double numeric = (up - down) / (static_cast<double>(saved + h) -
                                          static_cast<double>(saved - h));
    EXPECT_NEAR(analytic, numeric, 2e-3 + 2e-3 * std::fabs(numeric))
        << "parameter " << t << " of " << n;
  }
}

SgdStepParams Params(SgdAlgorithm a, int k) {
  SgdStepParams s;
  s.algorithm = a;
  s.factors = k;
  s.learning_rate = 1e-3f;
  s.bias_learning_rate = 2e-3f;
  s.reg_factors = 0.05f;
  s.reg_bias = 0.03f;
  s.global_mean = a == SgdAlgorithm::kBiasedMf ? 3.6f : 0.0f;
  return s;
}

class GradientTest : public testing::TestWithParam<int> {};

TEST_P(GradientTest, BiasedMf) {
  const int k = GetParam();
  const SgdStepParams s = Params(SgdAlgorithm::kBiasedMf, k);
  CheckGradient(
      s,
      [&](Example& x) {
        ExplicitStep(s, 4.0f, x.p.data(), &x.bu, x.q.data(), &x.bi);
      },
      [&](Example& x) {
        return ExplicitLoss(s, 4.0f, x.p.data(), &x.bu, x.q.data(), &x.bi);
      },
      RandomExample(k, 1, false));
}

TEST_P(GradientTest, PmfAndNmf) {
  const int k = GetParam();
  for (SgdAlgorithm a : {SgdAlgorithm::kPmf, SgdAlgorithm::kNmf}) {
    const SgdStepParams s = Params(a, k);
    CheckGradient(
        s,
        [&](Example& x) {
          ExplicitStep(s, 2.0f, x.p.data(), nullptr, x.q.data(), nullptr);
        },
        [&](Example& x) {
          return ExplicitLoss(s, 2.0f, x.p.data(), nullptr, x.q.data(),
                              nullptr);
        },
        RandomExample(k, 2, /*positive=*/true));
  }
}

TEST_P(GradientTest, Bpr) {
  const int k = GetParam();
  const SgdStepParams s = Params(SgdAlgorithm::kBpr, k);
  CheckGradient(
      s,
      [&](Example& x) {
        BprStep(s, x.p.data(), x.q.data(), &x.bi, x.q2.data(), &x.bj);
      },
      [&](Example& x) {
        return BprLoss(s, x.p.data(), x.q.data(), &x.bi, x.q2.data(), &x.bj);
      },
      RandomExample(k, 3, false));
}

TEST_P(GradientTest, LogisticPositiveAndNegative) {
  const int k = GetParam();
  const SgdStepParams s = Params(SgdAlgorithm::kLogistic, k);
  for (float label : {1.0f, 0.0f}) {
    CheckGradient(
        s,
        [&](Example& x) {
          LogisticStep(s, label, x.p.data(), &x.bu, x.q.data(), &x.bi);
        },
        [&](Example& x) {
          return LogisticLoss(s, label, x.p.data(), &x.bu, x.q.data(), &x.bi);
        },
        RandomExample(k, 4, false));
  }
}

// k = 3 and 13 exercise the scalar tail, 16 and 64 the vector loops.
INSTANTIATE_TEST_SUITE_P(Factors, GradientTest, testing::Values(3, 13, 16, 64));

TEST(SgdKernelsTest, NmfStepKeepsFactorsNonNegative) {
  const int k = 8;
  SgdStepParams s = Params(SgdAlgorithm::kNmf, k);
  s.learning_rate = 0.5f;
  Example x = RandomExample(k, 5, true);
  ExplicitStep(s, -50.0f, x.p.data(), nullptr, x.q.data(), nullptr);
  for (int f = 0; f < k; ++f) {
    EXPECT_GE(x.p[f], 0.0f);
    EXPECT_GE(x.q[f], 0.0f);
  }
}

// The worker path: a block run on views holding only the block's rows
// (first_row offsets) gives the same parameters as on the full tables.
TEST(SgdKernelsTest, BlockOnSlicedViewsEqualsFullTables) {
  const CsrMatrix m = RandomImplicit(60, 50, 0.2, 8);
  const int k = 16;
  const SgdBlock block = ExtractBlock(m, 20, 45, 10, 37);
  ASSERT_GT(block.nnz(), 0);
  std::vector<float> U(m.rows * k), V(m.cols * k), bi(m.cols, 0.1f);
  SplitMix64 rng(1);
  for (float& f : U) f = 0.1f * rng.Normal();
  for (float& f : V) f = 0.1f * rng.Normal();
  SgdStepParams s = Params(SgdAlgorithm::kBpr, k);
  s.learning_rate = 0.05f;
  s.negatives = 2;
  std::vector<float> u_slice(U.begin() + 20 * k, U.begin() + 45 * k);
  std::vector<float> v_slice(V.begin() + 10 * k, V.begin() + 37 * k);
  std::vector<float> b_slice(bi.begin() + 10, bi.begin() + 37);
  const BlockStats full = RunSgdBlock(block, s, FactorView{U.data(), k, 0},
                                      FactorView{V.data(), k, 0, bi.data()}, 9);
  const BlockStats sliced =
      RunSgdBlock(block, s, FactorView{u_slice.data(), k, 20},
                  FactorView{v_slice.data(), k, 10, b_slice.data()}, 9);
  EXPECT_EQ(full.loss_sum, sliced.loss_sum);
  EXPECT_EQ(full.examples, sliced.examples);
  EXPECT_EQ(std::vector<float>(U.begin() + 20 * k, U.begin() + 45 * k),
            u_slice);
  EXPECT_EQ(std::vector<float>(V.begin() + 10 * k, V.begin() + 37 * k),
            v_slice);
  EXPECT_EQ(std::vector<float>(bi.begin() + 10, bi.begin() + 37), b_slice);
  // One step per drawn negative.
  EXPECT_EQ(full.examples, 2 * block.nnz() - full.skipped);
}

TEST(SgdKernelsTest, RejectedNegativesAreNeverKnownItems) {
  // A user who has every item of the block but one: every negative drawn
  // must be that one item, or be skipped.
  CsrMatrix m;
  m.rows = 1;
  m.cols = 10;
  for (uint32_t c = 0; c < 10; ++c) {
    if (c == 6) continue;
    m.indices.push_back(c);
    m.data.push_back(1);
  }
  m.indptr = {0, 9};
  const SgdBlock block = ExtractBlock(m, 0, 1, 0, 10);
  const int k = 8;
  std::vector<float> U(k, 0.1f), V(10 * k, 0.1f), before;
  SgdStepParams s = Params(SgdAlgorithm::kBpr, k);
  s.reg_factors = 0;
  s.max_negative_draws = 1000;
  before = V;
  RunSgdBlock(block, s, FactorView{U.data(), k, 0}, FactorView{V.data(), k, 0},
              3);
  // Item 6 (the only valid negative) moved down; all positives moved up.
  for (int f = 0; f < k; ++f) EXPECT_LT(V[6 * k + f], before[6 * k + f]);
  for (uint32_t c : m.indices) EXPECT_GT(V[c * k], before[c * k]);
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

// RunSgdBlock (with its register-resident fast paths) does exactly the
// sequence of single steps that ExplicitStep defines.
TEST(SgdKernelsTest, ExplicitBlockEqualsSequentialSteps) {
  const CsrMatrix m = RandomRatings(40, 30, 0.3, 12);
  const SgdBlock block = ExtractBlock(m, 0, 40, 0, 30);
  for (SgdAlgorithm a : {SgdAlgorithm::kBiasedMf, SgdAlgorithm::kNmf}) {
    for (int k : {8, 16, 24, 64, 128, 12}) {
      SgdStepParams s = Params(a, k);
      s.learning_rate = 0.01f;
      std::vector<float> U(m.rows * k), V(m.cols * k), bu(m.rows, 0.1f),
          bi(m.cols, -0.1f);
      SplitMix64 rng(k);
      for (float& f : U) f = std::fabs(0.3f * rng.Normal());
      for (float& f : V) f = std::fabs(0.3f * rng.Normal());
      const bool biased = a == SgdAlgorithm::kBiasedMf;
      std::vector<float> U2 = U, V2 = V, bu2 = bu, bi2 = bi;
      const BlockStats stats = RunSgdBlock(
          block, s, FactorView{U.data(), k, 0, biased ? bu.data() : nullptr},
          FactorView{V.data(), k, 0, biased ? bi.data() : nullptr}, 1);
      double loss = 0;
      for (size_t ui = 0; ui < block.users.size(); ++ui) {
        const uint32_t u = block.users[ui];
        for (uint32_t e = block.user_offsets[ui];
             e < block.user_offsets[ui + 1]; ++e) {
          const uint32_t i = block.items[e];
          loss += ExplicitStep(s, block.values[e], &U2[u * k],
                               biased ? &bu2[u] : nullptr, &V2[i * k],
                               biased ? &bi2[i] : nullptr);
        }
      }
      EXPECT_NEAR(stats.loss_sum, loss, 1e-4 * loss) << k;
      for (size_t x = 0; x < U.size(); ++x) ASSERT_NEAR(U[x], U2[x], 1e-5) << k;
      for (size_t x = 0; x < V.size(); ++x) ASSERT_NEAR(V[x], V2[x], 1e-5) << k;
      for (size_t x = 0; x < bu.size(); ++x) ASSERT_NEAR(bu[x], bu2[x], 1e-5);
      for (size_t x = 0; x < bi.size(); ++x) ASSERT_NEAR(bi[x], bi2[x], 1e-5);
    }
  }
}

}  // namespace
}  // namespace tailor
