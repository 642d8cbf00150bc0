#include "ranker/model/version_files.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "ranker/model/blend_weights.h"
#include "ranker/model/model_loader.h"
#include "ranker/model/popularity.h"

namespace tailor::ranker {
namespace {

// Column of user attribute `name` (or of the first of `defaults` when
// empty); an empty vector when there is none.
absl::StatusOr<std::vector<std::string>> UserColumn(
    const EntityColumns& users, const std::string& name,
    const std::vector<std::string>& defaults) {
  const auto& names = users.attribute_names;
  int index = -1;
  if (!name.empty()) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no user attribute '", name,
                       "' (the users have: ", absl::StrJoin(names, ", "), ")"));
    }
    index = static_cast<int>(it - names.begin());
  } else {
    for (const auto& d : defaults) {
      auto it = std::find(names.begin(), names.end(), d);
      if (it != names.end()) {
        index = static_cast<int>(it - names.begin());
        break;
      }
    }
  }
  std::vector<std::string> out;
  if (index < 0) return out;
  out.resize(users.size());
  for (int64_t u = 0;
       u < users.size() && u < static_cast<int64_t>(users.attributes.size());
       ++u) {
    if (index < static_cast<int>(users.attributes[u].size())) {
      out[u] = users.attributes[u][index];
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
RankerVersionFiles(const Dataset& dataset, const nlohmann::json& manifest,
                   const VersionFilesOptions& options) {
  std::vector<std::pair<std::string, std::string>> files;
  TAILOR_ASSIGN_OR_RETURN(
      Catalogue catalogue,
      CatalogueFromItems(dataset.items(), options.catalogue));
  files.push_back({kCatalogueFile, CatalogueToTsv(catalogue)});
  TAILOR_ASSIGN_OR_RETURN(SparseBlock block, dataset.LoadUserMajor());
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<std::string> country,
      UserColumn(dataset.users(), options.country_attribute, {"country"}));
  TAILOR_ASSIGN_OR_RETURN(
      std::vector<std::string> channel,
      UserColumn(dataset.users(), options.channel_attribute, {"channel"}));
  const ContextPopularity popularity =
      ComputePopularity(block, catalogue.size(), country, channel,
                        options.popularity_items_per_value);
  files.push_back(
      {kPopularityFile, PopularityToTsv(popularity, catalogue.keys)});
  // The history: events per (user, item), columns = catalogue rows (the
  // dataset's item order is the catalogue's).
  // Repeated (user, item) events (the log keeps them) merge into counts.
  const CsrMatrix& m = block.matrix;
  CsrMatrix history;
  history.rows = m.rows;
  history.cols = m.cols;
  history.indptr = {0};
  for (int64_t u = 0; u < m.rows; ++u) {
    std::vector<uint32_t> items(m.indices.begin() + m.indptr[u],
                                m.indices.begin() + m.indptr[u + 1]);
    std::sort(items.begin(), items.end());
    for (size_t e = 0; e < items.size(); ++e) {
      if (e > 0 && items[e] == items[e - 1]) {
        history.data.back() += 1.0f;
      } else {
        history.indices.push_back(items[e]);
        history.data.push_back(1.0f);
      }
    }
    history.indptr.push_back(static_cast<int64_t>(history.indices.size()));
  }
  auto fs = NewInMemoryFileSystem();
  TAILOR_RETURN_IF_ERROR(
      WriteSparseVectors(fs.get(), "/history", dataset.users().keys, history));
  TAILOR_ASSIGN_OR_RETURN(std::string bytes,
                          ReadFileToString(fs.get(), "/history"));
  files.push_back({kUserHistoryFile, std::move(bytes)});
  if (options.default_blend) {
    files.push_back({kBlendFile, BlendToJson(DefaultBlend(manifest)).dump(2)});
  }
  return files;
}

}  // namespace tailor::ranker
