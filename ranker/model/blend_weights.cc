#include "ranker/model/blend_weights.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor::ranker {

absl::string_view ComponentName(int component) {
  static constexpr absl::string_view kNames[kComponents] = {
      "cf", "content", "segment", "context", "popularity"};
  return component >= 0 && component < kComponents ? kNames[component] : "";
}

nlohmann::json BlendToJson(const BlendWeights& b) {
  nlohmann::json weights = nlohmann::json::object();
  for (int c = 0; c < kComponents; ++c) {
    weights[std::string(ComponentName(c))] = b.weights[c];
  }
  return {{"format_version", kBlendFormatVersion},
          {"weights", weights},
          {"method", b.method},
          {"validation", b.validation},
          {"fold_in",
           {{"regularization", b.fold_in_regularization},
            {"alpha", b.fold_in_alpha},
            {"alpha0", b.fold_in_alpha0}}}};
}

absl::StatusOr<BlendWeights> BlendFromJson(const nlohmann::json& j,
                                           absl::string_view what) {
  auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(what, ": ", why));
  };
  if (!j.is_object() || j.value("format_version", 0) != kBlendFormatVersion) {
    return bad(absl::StrCat("format_version is not ", kBlendFormatVersion));
  }
  BlendWeights b;
  const nlohmann::json& w =
      j.contains("weights") ? j["weights"] : nlohmann::json();
  if (!w.is_object()) return bad("no weights object");
  for (int c = 0; c < kComponents; ++c) {
    const std::string name(ComponentName(c));
    if (!w.contains(name) || !w[name].is_number() ||
        !std::isfinite(w[name].get<double>())) {
      return bad(absl::StrCat("weight '", name, "' is missing or not finite"));
    }
    b.weights[c] = w[name].get<float>();
  }
  b.method = j.value("method", "");
  b.validation = j.value("validation", nlohmann::json::object());
  if (j.contains("fold_in") && j["fold_in"].is_object()) {
    const nlohmann::json& f = j["fold_in"];
    b.fold_in_regularization =
        f.value("regularization", b.fold_in_regularization);
    b.fold_in_alpha = f.value("alpha", b.fold_in_alpha);
    b.fold_in_alpha0 = f.value("alpha0", b.fold_in_alpha0);
    if (!(b.fold_in_regularization >= 0) || !(b.fold_in_alpha >= 0) ||
        !(b.fold_in_alpha0 >= 0)) {
      return bad("fold_in parameters must be finite and >= 0");
    }
  }
  return b;
}

}  // namespace tailor::ranker
