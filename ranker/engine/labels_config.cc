#include "ranker/engine/labels_config.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace tailor::ranker {

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<LabelsConfig> LabelsConfig::Parse(absl::string_view json_text,
                                                 absl::string_view source) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("labels config ", source, ": ", why));
  };
  nlohmann::json doc =
      nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("not valid JSON");
  if (!doc.is_object()) return bad("the top level must be an object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "models") return bad(absl::StrCat("unknown key '", key, "'"));
  }
  LabelsConfig config;
  if (!doc.contains("models")) return config;
  const nlohmann::json& models = doc["models"];
  if (!models.is_object()) return bad("'models' must be an object");
  for (const auto& [model, labels] : models.items()) {
    if (!labels.is_object()) {
      return bad(absl::StrCat("models.", model,
                              " must be an object of label -> version"));
    }
    std::map<std::string, int64_t>& out = config.models_[model];
    for (const auto& [label, version] : labels.items()) {
      if (!IsValidLabelName(label)) {
        return bad(absl::StrCat("models.", model, ": label '", label,
                                "' must be 1..64 characters of "
                                "[A-Za-z0-9_.-]"));
      }
      if (!version.is_number_integer() || version.get<int64_t>() < 1) {
        return bad(absl::StrCat("models.", model, ".", label,
                                " must be a version number >= 1 (got ",
                                version.dump(), ")"));
      }
      out[label] = version.get<int64_t>();
    }
  }
  return config;
}

std::optional<int64_t> LabelsConfig::Find(const std::string& model,
                                          const std::string& label) const {
  auto m = models_.find(model);
  if (m == models_.end()) return std::nullopt;
  auto l = m->second.find(label);
  if (l == m->second.end()) return std::nullopt;
  return l->second;
}

const std::map<std::string, int64_t>& LabelsConfig::LabelsOf(
    const std::string& model) const {
  static const auto* const kEmpty = new std::map<std::string, int64_t>();
  auto m = models_.find(model);
  return m == models_.end() ? *kEmpty : m->second;
}

}  // namespace tailor::ranker
