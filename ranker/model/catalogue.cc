#include "ranker/model/catalogue.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/dataset/tsv.h"
#include "core/status_macros.h"

namespace tailor::ranker {
namespace {

constexpr absl::string_view kHeaderPrefix = "# tailor catalogue ";
constexpr absl::string_view kColumns =
    "key\tid\tdescription\tcategories\tprice";

// Index of the attribute `name`, or of the first of `defaults` when `name`
// is empty (-1 when none exists).
absl::StatusOr<int> PickAttribute(const EntityColumns& items,
                                  const std::string& name,
                                  const std::vector<std::string>& defaults,
                                  absl::string_view role) {
  const auto& names = items.attribute_names;
  auto find = [&](const std::string& n) -> int {
    auto it = std::find(names.begin(), names.end(), n);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
  };
  if (!name.empty()) {
    const int i = find(name);
    if (i < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("no item attribute '", name, "' for the ", role,
                       " (the items have: ", absl::StrJoin(names, ", "), ")"));
    }
    return i;
  }
  for (const std::string& d : defaults) {
    if (int i = find(d); i >= 0) return i;
  }
  return -1;
}

}  // namespace

int64_t Catalogue::Find(uint64_t key) const {
  auto it = std::lower_bound(keys.begin(), keys.end(), key);
  return it != keys.end() && *it == key ? it - keys.begin() : -1;
}

absl::StatusOr<Catalogue> CatalogueFromItems(const EntityColumns& items,
                                             const CatalogueColumns& columns) {
  TAILOR_ASSIGN_OR_RETURN(
      int desc, PickAttribute(items, columns.description,
                              {"description", "title", "name"}, "description"));
  TAILOR_ASSIGN_OR_RETURN(
      int price,
      PickAttribute(items, columns.price, {"price", "unit_price"}, "price"));
  TAILOR_ASSIGN_OR_RETURN(
      int cats, PickAttribute(items, columns.categories,
                              {"category", "categories", "genre", "genres"},
                              "categories"));
  Catalogue c;
  const int64_t n = items.size();
  c.keys = items.keys;
  c.ids = items.external_ids;
  c.descriptions.resize(n);
  c.prices.assign(n, std::numeric_limits<float>::quiet_NaN());
  std::map<std::string, uint32_t> names;
  std::vector<std::vector<std::string>> item_cats(n);
  for (int64_t i = 0; i < n; ++i) {
    const auto& attrs = items.attributes.empty() ? std::vector<std::string>()
                                                 : items.attributes[i];
    auto attr = [&](int a) -> std::string {
      return a >= 0 && a < static_cast<int>(attrs.size()) ? attrs[a] : "";
    };
    c.descriptions[i] = attr(desc);
    double p;
    if (absl::SimpleAtod(attr(price), &p) && std::isfinite(p)) {
      c.prices[i] = static_cast<float>(p);
    }
    for (absl::string_view piece : absl::StrSplit(attr(cats), '|')) {
      piece = absl::StripAsciiWhitespace(piece);
      if (piece.empty()) continue;
      item_cats[i].emplace_back(piece);
      names.emplace(std::string(piece), 0);
    }
  }
  for (auto& [name, index] : names) {
    index = static_cast<uint32_t>(c.category_names.size());
    c.category_names.push_back(name);
  }
  for (int64_t i = 0; i < n; ++i) {
    std::vector<uint32_t> ids;
    for (const auto& name : item_cats[i]) ids.push_back(names[name]);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    c.categories.insert(c.categories.end(), ids.begin(), ids.end());
    c.category_indptr.push_back(static_cast<int64_t>(c.categories.size()));
  }
  return c;
}

std::string CatalogueToTsv(const Catalogue& c) {
  std::string out = absl::StrCat(kHeaderPrefix, kCatalogueFormatVersion, "\n",
                                 kColumns, "\n");
  for (int64_t i = 0; i < c.size(); ++i) {
    absl::StrAppend(&out, absl::Hex(c.keys[i], absl::kZeroPad16), "\t");
    AppendTsvEscaped(c.ids[i], &out);
    out += '\t';
    AppendTsvEscaped(c.descriptions[i], &out);
    out += '\t';
    std::string cats;
    for (int64_t j = c.category_indptr[i]; j < c.category_indptr[i + 1]; ++j) {
      if (!cats.empty()) cats += '|';
      cats += c.category_names[c.categories[j]];
    }
    AppendTsvEscaped(cats, &out);
    out += '\t';
    if (!std::isnan(c.prices[i])) absl::StrAppend(&out, c.prices[i]);
    out += '\n';
  }
  return out;
}

absl::StatusOr<Catalogue> ParseCatalogueTsv(absl::string_view text,
                                            absl::string_view what) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  const std::string header =
      absl::StrCat(kHeaderPrefix, kCatalogueFormatVersion);
  if (lines.size() < 2 || lines[0] != header || lines[1] != kColumns) {
    return absl::DataLossError(absl::StrCat(
        what, ": not a catalogue of format version ", kCatalogueFormatVersion,
        " (expected the lines '", header, "' and the column names)"));
  }
  Catalogue c;
  std::map<std::string, uint32_t> names;
  std::vector<std::vector<std::string>> item_cats;
  for (size_t l = 2; l < lines.size(); ++l) {
    auto bad = [&](absl::string_view why) {
      return absl::DataLossError(absl::StrCat(what, ":", l + 1, ": ", why));
    };
    auto fields = SplitTsvLine(lines[l]);
    if (!fields.ok() || fields->size() != 5) return bad("malformed line");
    uint64_t key;
    if ((*fields)[0].size() != 16 || !absl::SimpleHexAtoi((*fields)[0], &key)) {
      return bad("key is not 16 hex digits");
    }
    if (!c.keys.empty() && key <= c.keys.back()) {
      return bad("keys are not ascending");
    }
    float price = std::numeric_limits<float>::quiet_NaN();
    if (!(*fields)[4].empty() &&
        (!absl::SimpleAtof((*fields)[4], &price) || !std::isfinite(price))) {
      return bad("price is not a finite number");
    }
    c.keys.push_back(key);
    c.ids.push_back(std::move((*fields)[1]));
    c.descriptions.push_back(std::move((*fields)[2]));
    c.prices.push_back(price);
    item_cats.emplace_back();
    for (absl::string_view piece :
         absl::StrSplit((*fields)[3], '|', absl::SkipEmpty())) {
      item_cats.back().emplace_back(piece);
      names.emplace(std::string(piece), 0);
    }
  }
  for (auto& [name, index] : names) {
    index = static_cast<uint32_t>(c.category_names.size());
    c.category_names.push_back(name);
  }
  for (const auto& cats : item_cats) {
    std::vector<uint32_t> ids;
    for (const auto& name : cats) ids.push_back(names[name]);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    c.categories.insert(c.categories.end(), ids.begin(), ids.end());
    c.category_indptr.push_back(static_cast<int64_t>(c.categories.size()));
  }
  return c;
}

absl::flat_hash_map<std::string, int64_t> IndexIds(const Catalogue& c) {
  absl::flat_hash_map<std::string, int64_t> index;
  index.reserve(c.ids.size());
  for (int64_t i = 0; i < c.size(); ++i) index.emplace(c.ids[i], i);
  return index;
}

}  // namespace tailor::ranker
