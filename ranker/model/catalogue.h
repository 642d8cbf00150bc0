#ifndef TAILOR_RANKER_MODEL_CATALOGUE_H_
#define TAILOR_RANKER_MODEL_CATALOGUE_H_

// The item catalogue a model version carries (catalogue.tsv,
// docs/formats/catalogue.md): per item its key, external id, description,
// categories and price. Written by `tailor export` from the dataset's
// items.tsv, read by the ranker. A plain value type; immutable after
// construction, so safe to share between threads.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/dataset/dataset.h"

namespace tailor::ranker {

inline constexpr int kCatalogueFormatVersion = 1;

struct Catalogue {
  std::vector<uint64_t> keys;  // ascending, unique
  std::vector<std::string> ids;
  std::vector<std::string> descriptions;
  std::vector<float> prices;                // NaN: no price
  std::vector<std::string> category_names;  // ascending, unique
  // Categories of item i: categories[indptr[i] .. indptr[i + 1]).
  std::vector<int64_t> category_indptr = {0};
  std::vector<uint32_t> categories;

  int64_t size() const { return static_cast<int64_t>(keys.size()); }
  // Row of `key`, or -1 (binary search).
  int64_t Find(uint64_t key) const;
};

// Which item attributes of a dataset fill the catalogue. Empty names pick
// the first attribute of: description, title, name (description); price,
// unit_price (price); category, categories, genre, genres (categories,
// '|'-separated).
struct CatalogueColumns {
  std::string description;
  std::string price;
  std::string categories;
};

// The catalogue of a dataset's items. INVALID_ARGUMENT when a named
// attribute does not exist (the message lists those that do). Unparsable
// prices become NaN.
absl::StatusOr<Catalogue> CatalogueFromItems(const EntityColumns& items,
                                             const CatalogueColumns& columns);

// catalogue.tsv text, and its parser (DATA_LOSS naming `what` and the line
// for malformed text, unsorted keys or a wrong format version).
std::string CatalogueToTsv(const Catalogue& catalogue);
absl::StatusOr<Catalogue> ParseCatalogueTsv(absl::string_view text,
                                            absl::string_view what);

// External id -> row.
absl::flat_hash_map<std::string, int64_t> IndexIds(const Catalogue& catalogue);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_CATALOGUE_H_
