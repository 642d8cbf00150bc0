#ifndef TAILOR_RANKER_MODEL_VERSION_FILES_H_
#define TAILOR_RANKER_MODEL_VERSION_FILES_H_

// The files a model version needs for the hybrid ranker beyond what
// training exports, computed from the training dataset: catalogue.tsv,
// popularity.tsv, history/user_items.tcv and a default blend.json
// (docs/ranker_model.md). Used by `tailor export`. Stateless.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dataset/dataset.h"
#include "nlohmann/json.hpp"
#include "ranker/model/catalogue.h"

namespace tailor::ranker {

struct VersionFilesOptions {
  CatalogueColumns catalogue;
  // User attributes giving the context features (empty: first of country /
  // channel present, none when absent).
  std::string country_attribute;
  std::string channel_attribute;
  // Items kept per context value in popularity.tsv (totals stay exact).
  int popularity_items_per_value = 1000;
  // Write blend.json with the default weights (fold-in from the manifest).
  bool default_blend = true;
};

// (relative path, bytes) of each file. `manifest` is the trained version's
// manifest.json. Errors from the dataset reader, or INVALID_ARGUMENT for a
// named attribute that does not exist.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
RankerVersionFiles(const Dataset& dataset, const nlohmann::json& manifest,
                   const VersionFilesOptions& options);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_VERSION_FILES_H_
