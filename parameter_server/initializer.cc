#include "parameter_server/initializer.h"

#include <cmath>
#include <cstring>

namespace tailor {
namespace {

uint64_t Next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in (0, 1].
double Uniform01(uint64_t& state) {
  return (static_cast<double>(Next(state) >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace

void InitialRow(const InitializerSpec& init, uint64_t key,
                absl::Span<float> row) {
  const size_t dim = row.size();
  if (init.kind == InitializerSpec::Kind::kZeros) {
    std::memset(row.data(), 0, dim * sizeof(float));
    return;
  }
  uint64_t state = init.seed ^ (0x5851f42d4c957f2dULL * (key + 1));
  Next(state);
  if (init.kind == InitializerSpec::Kind::kUniform) {
    const double low = init.low, width = double{init.high} - double{init.low};
    for (size_t c = 0; c < dim; ++c) {
      row[c] = static_cast<float>(low + width * (Uniform01(state) - 0x1.0p-53));
    }
    return;
  }
  // kNormal: Box-Muller, two values per pair of uniforms.
  const double mean = init.mean, stddev = init.stddev;
  for (size_t c = 0; c < dim; c += 2) {
    const double u1 = Uniform01(state), u2 = Uniform01(state);
    const double radius = std::sqrt(-2.0 * std::log(u1)) * stddev;
    row[c] = static_cast<float>(mean + radius * std::cos(2 * M_PI * u2));
    if (c + 1 < dim) {
      row[c + 1] = static_cast<float>(mean + radius * std::sin(2 * M_PI * u2));
    }
  }
}

}  // namespace tailor
