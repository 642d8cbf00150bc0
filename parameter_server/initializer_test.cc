#include "parameter_server/initializer.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// The stream of docs/protocols.md written out literally, as the oracle.
struct Oracle {
  uint64_t state;
  uint64_t Next() {
    state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double U() { return double((Next() >> 11) + 1) * std::ldexp(1.0, -53); }
};

std::vector<float> Row(const InitializerSpec& init, uint64_t key, int dim) {
  std::vector<float> row(dim, -1.0f);
  InitialRow(init, key, absl::MakeSpan(row));
  return row;
}

TEST(InitializerTest, ZerosAreZero) {
  InitializerSpec init;
  for (float v : Row(init, 12345, 7)) EXPECT_EQ(v, 0.0f);
}

TEST(InitializerTest, NormalMatchesTheDocumentedStream) {
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kNormal;
  init.seed = 42;
  init.mean = 0.5f;
  init.stddev = 0.25f;
  for (uint64_t key : {uint64_t{0}, uint64_t{7}, ~uint64_t{0}}) {
    const int dim = 5;  // odd: the last pair's sine is dropped
    std::vector<float> row = Row(init, key, dim);
    Oracle o{42 ^ (0x5851f42d4c957f2dULL * (key + 1))};
    o.Next();
    for (int c = 0; c < dim; c += 2) {
      const double u1 = o.U(), u2 = o.U();
      const double r = std::sqrt(-2 * std::log(u1)) * 0.25;
      EXPECT_NEAR(row[c], 0.5 + r * std::cos(2 * M_PI * u2), 1e-6);
      if (c + 1 < dim) {
        EXPECT_NEAR(row[c + 1], 0.5 + r * std::sin(2 * M_PI * u2), 1e-6);
      }
    }
  }
}

TEST(InitializerTest, UniformMatchesTheDocumentedStreamAndRange) {
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kUniform;
  init.seed = 9;
  init.low = -1.0f;
  init.high = 3.0f;
  for (uint64_t key = 0; key < 200; ++key) {
    std::vector<float> row = Row(init, key, 8);
    Oracle o{9 ^ (0x5851f42d4c957f2dULL * (key + 1))};
    o.Next();
    for (float v : row) {
      EXPECT_NEAR(v, -1.0 + 4.0 * (o.U() - std::ldexp(1.0, -53)), 1e-6);
      EXPECT_GE(v, -1.0f);
      EXPECT_LT(v, 3.0f);
    }
  }
}

TEST(InitializerTest, DependsOnlyOnSeedKeyAndColumn) {
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kNormal;
  init.stddev = 1;
  EXPECT_EQ(Row(init, 5, 16), Row(init, 5, 16));
  EXPECT_NE(Row(init, 5, 16), Row(init, 6, 16));
  // A narrower row is a prefix of a wider one (per-column stream).
  std::vector<float> wide = Row(init, 5, 16), narrow = Row(init, 5, 6);
  EXPECT_EQ(std::vector<float>(wide.begin(), wide.begin() + 6), narrow);
  InitializerSpec other = init;
  other.seed = 1;
  EXPECT_NE(Row(init, 5, 16), Row(other, 5, 16));
}

TEST(InitializerTest, NormalHasTheRequestedMoments) {
  InitializerSpec init;
  init.kind = InitializerSpec::Kind::kNormal;
  init.seed = 3;
  init.mean = 1.0f;
  init.stddev = 2.0f;
  double sum = 0, sum2 = 0;
  const int n = 20000, dim = 4;
  for (int key = 0; key < n; ++key) {
    for (float v : Row(init, key, dim)) {
      sum += v;
      sum2 += v * v;
    }
  }
  const double mean = sum / (n * dim);
  const double var = sum2 / (n * dim) - mean * mean;
  EXPECT_NEAR(mean, 1.0, 0.05);
  EXPECT_NEAR(std::sqrt(var), 2.0, 0.05);
}

}  // namespace
}  // namespace tailor
