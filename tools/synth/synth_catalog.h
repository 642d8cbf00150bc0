#ifndef TAILOR_TOOLS_SYNTH_SYNTH_CATALOG_H_
#define TAILOR_TOOLS_SYNTH_SYNTH_CATALOG_H_

// The vocabulary of the synthetic log generator: item categories with their
// price levels and word lists (some words are non-ASCII UTF-8, e.g. "crème",
// "Größe", "café"), the domains of the user attributes, and RFC 4180 field
// quoting. Everything here is constant data or a pure function: thread-safe.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tools/synth/synth_random.h"

namespace tailor {

// Which kind of catalogue the items come from.
enum class SynthCatalog {
  kMovies,  // genres, titles like "The Silent Crypt (1987)"
  kRetail,  // product categories, titles like "Ceramic crème mug, set of 4"
};

// "movies" or "retail".
absl::string_view SynthCatalogName(SynthCatalog catalog);

// Category names of `catalog` (ASCII, no commas or quotes).
absl::Span<const char* const> SynthCategories(SynthCatalog catalog);

// Median list price in cents of an item of `category` (an index into
// SynthCategories(catalog)).
double SynthCategoryMedianPriceCents(SynthCatalog catalog, int category);

// A title for an item of `category`, built from that category's word lists.
// May contain commas, double quotes and non-ASCII UTF-8; never CR or LF.
std::string SynthItemTitle(SynthCatalog catalog, int category, SynthRng& rng);

// User attribute domains and their population weights (same length).
absl::Span<const char* const> SynthAgeBands();
absl::Span<const double> SynthAgeBandWeights();
absl::Span<const char* const> SynthGenders();
absl::Span<const double> SynthGenderWeights();
// ISO 3166-1 alpha-2 codes.
absl::Span<const char* const> SynthCountries();
absl::Span<const double> SynthCountryWeights(SynthCatalog catalog);

// Appends `field` to `out`, in double quotes with inner quotes doubled when
// it contains a comma, a double quote, CR or LF (RFC 4180); as is otherwise.
void AppendCsvField(absl::string_view field, std::string* out);

}  // namespace tailor

#endif  // TAILOR_TOOLS_SYNTH_SYNTH_CATALOG_H_
