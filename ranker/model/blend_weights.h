#ifndef TAILOR_RANKER_MODEL_BLEND_WEIGHTS_H_
#define TAILOR_RANKER_MODEL_BLEND_WEIGHTS_H_

// The blend of the hybrid ranker (blend.json, docs/formats/blend.md): one
// weight per component feature (docs/ranker_model.md defines the features),
// how they were learned, and the fold-in parameters. Written by `tailor
// export` (defaults) and `tailor blend` (learned), read by the ranker. A
// plain value type.

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace tailor::ranker {

inline constexpr int kBlendFormatVersion = 1;

// Component features, in the order of ComponentScores in ranker.proto.
enum Component { kCf = 0, kContent, kSegment, kContext, kPopularity };
inline constexpr int kComponents = 5;
// "cf", "content", "segment", "context", "popularity".
absl::string_view ComponentName(int component);

using Features = std::array<float, kComponents>;

struct BlendWeights {
  Features weights = {1.0f, 0.3f, 0.1f, 0.2f, 0.1f};
  std::string method = "default";  // how the weights were chosen
  nlohmann::json validation = nlohmann::json::object();  // metrics, split
  // Fold-in of unseen users (implicit ALS objective; docs/algorithms/als.md).
  float fold_in_regularization = 0.01f;
  float fold_in_alpha = 1.0f;
  float fold_in_alpha0 = 0.0f;

  float Blend(const Features& f) const {
    float s = 0;
    for (int c = 0; c < kComponents; ++c) s += weights[c] * f[c];
    return s;
  }
};

nlohmann::json BlendToJson(const BlendWeights& b);
// DATA_LOSS naming `what` for a wrong format version, a missing or
// non-finite weight.
absl::StatusOr<BlendWeights> BlendFromJson(const nlohmann::json& j,
                                           absl::string_view what);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_BLEND_WEIGHTS_H_
