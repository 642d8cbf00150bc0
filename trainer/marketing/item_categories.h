#ifndef TAILOR_TRAINER_MARKETING_ITEM_CATEGORIES_H_
#define TAILOR_TRAINER_MARKETING_ITEM_CATEGORIES_H_

// The categories (genres) of every item, read from one item attribute whose
// values are '|'-separated names (MovieLens "genres", synth "category").
// A plain value type.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/dataset/dataset.h"

namespace tailor {

// Name of the category of items whose attribute is empty.
inline constexpr absl::string_view kNoCategory = "(none)";

struct ItemCategories {
  std::string source;              // the attribute used; "" = none
  std::vector<std::string> names;  // ascending byte order
  // Categories of item i: category[indptr[i] .. indptr[i+1]), ascending.
  std::vector<int64_t> indptr = {0};
  std::vector<uint32_t> category;

  int64_t CountOf(int64_t item) const {
    return indptr[item + 1] - indptr[item];
  }
};

// `attribute`: "" picks the first item attribute named genres, genre,
// categories or category (none present: no categories, source ""); "none"
// means no categories; any other name must be an item attribute
// (INVALID_ARGUMENT listing the available ones otherwise). Pieces are
// trimmed; empty pieces are dropped; an item with no piece gets kNoCategory.
// Without categories, every item has none and `names` is empty.
absl::StatusOr<ItemCategories> ExtractItemCategories(
    const EntityColumns& items, absl::string_view attribute);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_ITEM_CATEGORIES_H_
