#include "tools/synth/synth_catalog.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

constexpr int kWords = 6;

struct CategoryWords {
  const char* name;
  double median_price;  // in currency units
  const char* adjectives[kWords];
  const char* nouns[kWords];
  const char* variants[kWords];  // retail only: appended after a comma
};

// Movie genres as in MovieLens; prices are rental/purchase prices.
constexpr CategoryWords kMovieWords[] = {
    {"Action",
     9.99,
     {"Lethal", "Final", "Iron", "Rogue", "Burning", "Maximum"},
     {"Strike", "Velocity", "Protocol", "Vendetta", "Impact", "Siege"}},
    {"Adventure",
     9.99,
     {"Lost", "Golden", "Wild", "Hidden", "Far", "Forgotten"},
     {"Expedition", "Treasure", "Voyage", "Island", "Map", "Frontier"}},
    {"Animation",
     12.99,
     {"Little", "Magic", "Brave", "Tiny", "Happy", "Flying"},
     {"Robot", "Dragon", "Fox", "Kingdom", "Penguin", "Lantern"}},
    {"Children",
     7.99,
     {"Merry", "Clever", "Silly", "Lucky", "Sunny", "Jolly"},
     {"Puppy", "Summer", "Treehouse", "Friends", "Circus", "Pony"}},
    {"Comedy",
     7.99,
     {"Crazy", "Awkward", "Perfect", "Big", "Accidental", "Naïve"},
     {"Wedding", "Roommates", "Café", "Weekend", "Holiday", "Neighbours"}},
    {"Crime",
     8.99,
     {"Dirty", "Cold", "Silent", "Brutal", "Loyal", "Crooked"},
     {"Money", "Heist", "Syndicate", "Alibi", "Witness", "Cartel"}},
    {"Documentary",
     5.99,
     {"Inside", "True", "Untold", "Hidden", "Secret", "Real"},
     {"Story", "Planet", "Ocean", "Journey", "Revolution", "Archive"}},
    {"Drama",
     8.99,
     {"Quiet", "Broken", "Long", "Distant", "Bitter", "Tender"},
     {"Promise", "Letters", "Season", "Silence", "Harvest", "Inheritance"}},
    {"Fantasy",
     11.99,
     {"Enchanted", "Shadow", "Crystal", "Ancient", "Eternal", "Crimson"},
     {"Sword", "Realm", "Sorcerer", "Crown", "Prophecy", "Wyvern"}},
    {"Film-Noir",
     4.99,
     {"Dark", "Naked", "Deadly", "Double", "Midnight", "Scarlet"},
     {"City", "Street", "Dame", "Indemnity", "Rendezvous", "Alley"}},
    {"Horror",
     6.99,
     {"Cursed", "Hollow", "Bleeding", "Haunted", "Rotten", "Sinister"},
     {"House", "Crypt", "Scream", "Asylum", "Doll", "Cabin"}},
    {"Musical",
     7.99,
     {"Singing", "Dancing", "Golden", "Broadway", "Jazz", "Swinging"},
     {"Melody", "Rhapsody", "Ballroom", "Serenade", "Cabaret", "Chorus"}},
    {"Mystery",
     8.99,
     {"Vanishing", "Strange", "Curious", "Missing", "Locked", "Twelfth"},
     {"Affair", "Clue", "Manor", "Riddle", "Portrait", "Stranger"}},
    {"Romance",
     8.99,
     {"Sweet", "Endless", "Summer", "Parisian", "Crème", "Second"},
     {"Kiss", "Love", "Brûlée", "Romance", "Heart", "Promise"}},
    {"Sci-Fi",
     11.99,
     {"Quantum", "Stellar", "Synthetic", "Orbital", "Neon", "Infinite"},
     {"Android", "Horizon", "Colony", "Singularity", "Nebula", "Signal"}},
    {"Thriller",
     9.99,
     {"Fatal", "Hidden", "Blind", "Deadly", "Perfect", "Twisted"},
     {"Conspiracy", "Target", "Hostage", "Agenda", "Pursuit", "Secret"}},
    {"War",
     6.99,
     {"Fallen", "Last", "Brave", "Iron", "Bloody", "Valiant"},
     {"Battalion", "Beach", "Bridge", "Front", "Platoon", "Squadron"}},
    {"Western",
     5.99,
     {"Lonesome", "Dusty", "Outlaw", "Red", "High", "Wanted"},
     {"Ranger", "Canyon", "Saloon", "Gunslinger", "Sheriff", "Trail"}},
};

constexpr const char* kPlaces[] = {"Zürich",   "São Paulo", "Málaga",  "Kraków",
                                   "Montréal", "Reykjavík", "Paris",   "Berlin",
                                   "Istanbul", "Cairo",     "Chicago", "Köln"};

constexpr const char* kRoman[] = {"II", "III", "IV"};

// Retail categories; some variants carry commas, quotes or UTF-8.
constexpr CategoryWords kRetailWords[] = {
    {"Kitchen",
     12.0,
     {"Ceramic", "Enamel", "Bamboo", "Café", "Cast-iron", "Crème"},
     {"mug", "teapot", "skillet", "cutting board", "espresso cup", "jar"},
     {"set of 4", "set of 6", "pack of 2", "large", "small", "10\" wide"}},
    {"Home Decor",
     18.0,
     {"Vintage", "Rustic", "Scandi", "Velvet", "Crème", "Gilded"},
     {"cushion", "candle holder", "photo frame", "wall clock", "vase",
      "lantern"},
     {"set of 3", "small", "large", "\"Hygge\" edition", "30 x 40 cm",
      "two-tone"}},
    {"Garden",
     15.0,
     {"Galvanised", "Terracotta", "Solar", "Rattan", "Hardy", "Wild"},
     {"planter", "watering can", "bird feeder", "trowel", "seed kit",
      "string lights"},
     {"pack of 10", "30 cm", "XL", "frost-proof", "for balconies", "set of 2"}},
    {"Toys",
     14.0,
     {"Wooden", "Plush", "Magnetic", "Rainbow", "Remote-control",
      "Glow-in-the-dark"},
     {"train set", "teddy bear", "puzzle", "building blocks", "kite", "piñata"},
     {"500 pieces", "age 3+", "age 8+", "set of 12", "\"Junior\" edition",
      "large"}},
    {"Clothing",
     25.0,
     {"Organic cotton", "Merino", "Linen", "Denim", "Crème", "Striped"},
     {"T-shirt", "cardigan", "scarf", "hoodie", "dress", "socks"},
     {"Größe S", "Größe M", "Größe L", "size XL", "pack of 3", "unisex"}},
    {"Shoes",
     45.0,
     {"Leather", "Suede", "Canvas", "Waterproof", "Vegan", "Classic"},
     {"sneakers", "boots", "loafers", "sandals", "slippers", "espadrilles"},
     {"Größe 38", "Größe 42", "size 9", "wide fit", "pair", "kids"}},
    {"Electronics",
     60.0,
     {"Wireless", "Portable", "Smart", "Noise-cancelling", "USB-C", "Compact"},
     {"speaker", "headphones", "charger", "tablet stand", "webcam",
      "power bank"},
     {"10\" screen", "20000 mAh", "black", "white", "2-pack", "1 m cable"}},
    {"Beauty",
     11.0,
     {"Hydrating", "Rose", "Crème", "Vitamin C", "Lavender", "Mineral"},
     {"face cream", "lip balm", "serum", "shampoo", "body lotion", "hand soap"},
     {"50 ml", "200 ml", "travel size", "refill", "unscented", "set of 3"}},
    {"Books",
     13.0,
     {"Illustrated", "Complete", "Pocket", "Collected", "Annotated", "New"},
     {"cookbook", "atlas", "novel", "field guide", "poetry", "biography"},
     {"paperback", "hardcover", "2nd edition", "\"Café\" series", "boxed set",
      "large print"}},
    {"Grocery",
     4.0,
     {"Organic", "Smoked", "Roasted", "Jalapeño", "Crème fraîche", "Spiced"},
     {"coffee beans", "olive oil", "crackers", "chocolate", "tea", "honey"},
     {"250 g", "1 kg", "pack of 6", "café blend", "fair trade", "gluten-free"}},
    {"Sports",
     22.0,
     {"Lightweight", "Pro", "Foldable", "Non-slip", "Insulated", "Reflective"},
     {"yoga mat", "water bottle", "dumbbells", "running belt", "tennis balls",
      "jump rope"},
     {"2 x 5 kg", "750 ml", "pack of 3", "adjustable", "Größe M", "blue"}},
    {"Stationery",
     5.0,
     {"Dotted", "Recycled", "Pastel", "Kraft", "Gold-foil", "Retro"},
     {"notebook", "pen set", "sticky notes", "planner", "washi tape",
      "envelopes"},
     {"A5", "A4", "pack of 10", "2027", "\"Bullet\" grid", "set of 5"}},
    {"Jewellery",
     35.0,
     {"Sterling silver", "Gold-plated", "Pearl", "Minimalist", "Birthstone",
      "Hand-made"},
     {"necklace", "earrings", "bracelet", "ring", "anklet", "brooch"},
     {"gift boxed", "adjustable", "18\" chain", "pair", "size N", "set of 2"}},
    {"Pet Supplies",
     10.0,
     {"Chew-proof", "Orthopaedic", "Catnip", "Reflective", "Organic", "Cosy"},
     {"dog bed", "cat toy", "leash", "bowl", "treats", "scratching post"},
     {"small", "large", "pack of 3", "200 g", "for puppies", "grain-free"}},
};

constexpr const char* kMovieCategoryNames[] = {
    "Action",      "Adventure", "Animation", "Children",  "Comedy", "Crime",
    "Documentary", "Drama",     "Fantasy",   "Film-Noir", "Horror", "Musical",
    "Mystery",     "Romance",   "Sci-Fi",    "Thriller",  "War",    "Western"};
constexpr const char* kRetailCategoryNames[] = {
    "Kitchen", "Home Decor",  "Garden",    "Toys",        "Clothing",
    "Shoes",   "Electronics", "Beauty",    "Books",       "Grocery",
    "Sports",  "Stationery",  "Jewellery", "Pet Supplies"};
static_assert(sizeof(kMovieCategoryNames) / sizeof(char*) ==
                  sizeof(kMovieWords) / sizeof(CategoryWords),
              "movie categories");
static_assert(sizeof(kRetailCategoryNames) / sizeof(char*) ==
                  sizeof(kRetailWords) / sizeof(CategoryWords),
              "retail categories");

constexpr const char* kAgeBands[] = {"18-24", "25-34", "35-44",
                                     "45-54", "55-64", "65+"};
constexpr double kAgeBandWeights[] = {0.16, 0.27, 0.22, 0.17, 0.11, 0.07};
constexpr const char* kGenders[] = {"F", "M", "X"};
constexpr double kGenderWeights[] = {0.49, 0.49, 0.02};
constexpr const char* kCountries[] = {"US", "GB", "DE", "FR", "ES", "IT",
                                      "NL", "SE", "PL", "IE", "CA", "AU",
                                      "BR", "MX", "IN", "JP"};
constexpr double kMovieCountryWeights[] = {0.42, 0.08, 0.07, 0.06, 0.04, 0.03,
                                           0.02, 0.02, 0.02, 0.01, 0.07, 0.04,
                                           0.04, 0.03, 0.03, 0.03};
constexpr double kRetailCountryWeights[] = {0.08, 0.60, 0.06, 0.06, 0.03, 0.02,
                                            0.03, 0.01, 0.01, 0.03, 0.01, 0.02,
                                            0.01, 0.01, 0.01, 0.01};

const CategoryWords& Words(SynthCatalog catalog, int category) {
  return catalog == SynthCatalog::kMovies ? kMovieWords[category]
                                          : kRetailWords[category];
}

template <typename T, size_t N>
const T& Pick(const T (&array)[N], SynthRng& rng) {
  return array[rng.Below(N)];
}

std::string MovieTitle(const CategoryWords& w, SynthRng& rng) {
  // Release years lean recent, as in MovieLens.
  const int year = std::max(
      1920, 2015 - static_cast<int>(std::floor(rng.Exponential(14.0))));
  const char* adjective = Pick(w.adjectives, rng);
  const char* noun = Pick(w.nouns, rng);
  std::string title;
  const double form = rng.Uniform();
  if (form < 0.35) {
    title = absl::StrCat("The ", adjective, " ", noun);
  } else if (form < 0.55) {
    title = absl::StrCat(adjective, " ", noun, ": ", Pick(kPlaces, rng));
  } else if (form < 0.75) {
    title = absl::StrCat(noun, " of ", Pick(kPlaces, rng));
  } else if (form < 0.90) {
    title = absl::StrCat(adjective, " ", noun, ", Part ", Pick(kRoman, rng));
  } else if (form < 0.96) {
    title = absl::StrCat(noun, ", ", adjective, " and ", Pick(w.nouns, rng));
  } else {
    title = absl::StrCat("The \"", adjective, "\" ", noun);
  }
  absl::StrAppend(&title, " (", year, ")");
  return title;
}

std::string RetailTitle(const CategoryWords& w, SynthRng& rng) {
  std::string title =
      absl::StrCat(Pick(w.adjectives, rng), " ", Pick(w.nouns, rng));
  if (rng.Bernoulli(0.45)) absl::StrAppend(&title, ", ", Pick(w.variants, rng));
  return title;
}

}  // namespace

absl::string_view SynthCatalogName(SynthCatalog catalog) {
  return catalog == SynthCatalog::kMovies ? "movies" : "retail";
}

absl::Span<const char* const> SynthCategories(SynthCatalog catalog) {
  if (catalog == SynthCatalog::kMovies) return kMovieCategoryNames;
  return kRetailCategoryNames;
}

double SynthCategoryMedianPriceCents(SynthCatalog catalog, int category) {
  return 100.0 * Words(catalog, category).median_price;
}

std::string SynthItemTitle(SynthCatalog catalog, int category, SynthRng& rng) {
  const CategoryWords& w = Words(catalog, category);
  return catalog == SynthCatalog::kMovies ? MovieTitle(w, rng)
                                          : RetailTitle(w, rng);
}

absl::Span<const char* const> SynthAgeBands() { return kAgeBands; }
absl::Span<const double> SynthAgeBandWeights() { return kAgeBandWeights; }
absl::Span<const char* const> SynthGenders() { return kGenders; }
absl::Span<const double> SynthGenderWeights() { return kGenderWeights; }
absl::Span<const char* const> SynthCountries() { return kCountries; }
absl::Span<const double> SynthCountryWeights(SynthCatalog catalog) {
  if (catalog == SynthCatalog::kMovies) return kMovieCountryWeights;
  return kRetailCountryWeights;
}

void AppendCsvField(absl::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out->append(field.data(), field.size());
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace tailor
