#include "trainer/marketing/item_categories.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tailor {

absl::StatusOr<ItemCategories> ExtractItemCategories(
    const EntityColumns& items, absl::string_view attribute) {
  ItemCategories out;
  out.indptr.assign(items.size() + 1, 0);
  if (attribute == "none") return out;
  int column = -1;
  const auto& names = items.attribute_names;
  if (attribute.empty()) {
    for (absl::string_view candidate :
         {"genres", "genre", "categories", "category"}) {
      auto it = std::find(names.begin(), names.end(), candidate);
      if (it != names.end()) {
        column = static_cast<int>(it - names.begin());
        break;
      }
    }
    if (column < 0) return out;
  } else {
    auto it = std::find(names.begin(), names.end(), attribute);
    if (it == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "category attribute '", attribute,
          "' is not an item attribute (items have: ",
          names.empty() ? "no attributes" : absl::StrJoin(names, ", "), ")"));
    }
    column = static_cast<int>(it - names.begin());
  }
  out.source = names[column];
  // Pieces per item, then a sorted name table.
  std::vector<std::vector<std::string>> pieces(items.size());
  std::map<std::string, uint32_t> ids;
  for (int64_t i = 0; i < items.size(); ++i) {
    for (absl::string_view piece :
         absl::StrSplit(items.attributes[i][column], '|')) {
      piece = absl::StripAsciiWhitespace(piece);
      if (!piece.empty()) pieces[i].emplace_back(piece);
    }
    if (pieces[i].empty()) pieces[i].emplace_back(kNoCategory);
    for (const std::string& p : pieces[i]) ids.emplace(p, 0);
  }
  for (auto& [name, id] : ids) {
    id = static_cast<uint32_t>(out.names.size());
    out.names.push_back(name);
  }
  for (int64_t i = 0; i < items.size(); ++i) {
    std::vector<uint32_t> c;
    for (const std::string& p : pieces[i]) c.push_back(ids[p]);
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    out.category.insert(out.category.end(), c.begin(), c.end());
    out.indptr[i + 1] = static_cast<int64_t>(out.category.size());
  }
  return out;
}

}  // namespace tailor
