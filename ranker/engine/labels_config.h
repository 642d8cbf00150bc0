#ifndef TAILOR_RANKER_ENGINE_LABELS_CONFIG_H_
#define TAILOR_RANKER_ENGINE_LABELS_CONFIG_H_

// The labels config file (docs/formats/ranker_labels.md): per model, label
// names such as "stable" or "canary" -> version numbers. The engine rereads
// it while running. Immutable value; thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor::ranker {

class LabelsConfig {
 public:
  // Parses the JSON text of a labels config. INVALID_ARGUMENT naming `source`
  // (a path, for messages), the model and label at fault otherwise.
  static absl::StatusOr<LabelsConfig> Parse(absl::string_view json_text,
                                            absl::string_view source);

  // The version `label` names for `model`, if any.
  std::optional<int64_t> Find(const std::string& model,
                              const std::string& label) const;
  // Label -> version for `model` (empty when none).
  const std::map<std::string, int64_t>& LabelsOf(
      const std::string& model) const;
  const std::map<std::string, std::map<std::string, int64_t>>& models() const {
    return models_;
  }

 private:
  std::map<std::string, std::map<std::string, int64_t>> models_;
};

// True for a valid label or arm name: 1..64 characters of [A-Za-z0-9_.-].
bool IsValidLabelName(absl::string_view name);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_LABELS_CONFIG_H_
