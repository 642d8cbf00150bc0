#include "tools/synth/synth_catalog.h"

#include <string>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// True when `s` is well-formed UTF-8 (no overlong or surrogate checks).
bool IsUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const int extra = c < 0x80         ? 0
                      : (c >> 5) == 6  ? 1
                      : (c >> 4) == 14 ? 2
                      : (c >> 3) == 30 ? 3
                                       : -1;
    if (extra < 0 || i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += extra + 1;
  }
  return true;
}

TEST(SynthCatalogTest, CategoriesArePlainCsvFields) {
  for (SynthCatalog catalog : {SynthCatalog::kMovies, SynthCatalog::kRetail}) {
    ASSERT_GE(SynthCategories(catalog).size(), 10u);
    for (int c = 0; c < static_cast<int>(SynthCategories(catalog).size());
         ++c) {
      const std::string name = SynthCategories(catalog)[c];
      EXPECT_EQ(name.find_first_of(",\"\n"), std::string::npos) << name;
      EXPECT_GT(SynthCategoryMedianPriceCents(catalog, c), 0);
    }
  }
}

TEST(SynthCatalogTest, AttributeWeightsMatchTheirDomains) {
  EXPECT_EQ(SynthAgeBands().size(), SynthAgeBandWeights().size());
  EXPECT_EQ(SynthGenders().size(), SynthGenderWeights().size());
  EXPECT_EQ(SynthCountries().size(),
            SynthCountryWeights(SynthCatalog::kMovies).size());
  EXPECT_EQ(SynthCountries().size(),
            SynthCountryWeights(SynthCatalog::kRetail).size());
}

TEST(SynthCatalogTest, TitlesAreUtf8WithSomeNonAsciiCommasAndQuotes) {
  for (SynthCatalog catalog : {SynthCatalog::kMovies, SynthCatalog::kRetail}) {
    int non_ascii = 0, commas = 0, quotes = 0;
    const int categories = static_cast<int>(SynthCategories(catalog).size());
    for (int i = 0; i < 5000; ++i) {
      SynthRng rng(9, 1, i);
      const std::string title = SynthItemTitle(catalog, i % categories, rng);
      ASSERT_FALSE(title.empty());
      ASSERT_TRUE(IsUtf8(title)) << title;
      ASSERT_EQ(title.find_first_of("\r\n"), std::string::npos) << title;
      for (char c : title) non_ascii += static_cast<unsigned char>(c) >= 0x80;
      commas += title.find(',') != std::string::npos;
      quotes += title.find('"') != std::string::npos;
    }
    EXPECT_GT(non_ascii, 0);
    EXPECT_GT(commas, 100);
    EXPECT_GT(quotes, 10);
  }
}

TEST(SynthCatalogTest, CsvFieldsAreQuotedOnlyWhenNeeded) {
  auto field = [](const std::string& s) {
    std::string out;
    AppendCsvField(s, &out);
    return out;
  };
  EXPECT_EQ(field("Café crème"), "Café crème");
  EXPECT_EQ(field("mug, set of 4"), "\"mug, set of 4\"");
  EXPECT_EQ(field("10\" screen"), "\"10\"\" screen\"");
  EXPECT_EQ(field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(field(""), "");
}

}  // namespace
}  // namespace tailor
