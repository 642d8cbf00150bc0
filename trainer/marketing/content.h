#ifndef TAILOR_TRAINER_MARKETING_CONTENT_H_
#define TAILOR_TRAINER_MARKETING_CONTENT_H_

// Item content vectors: TF-IDF over item text attributes plus categorical
// attribute values as "attribute=value" terms; user content profiles (the
// event-weighted mean of the vectors of the items a user interacted with);
// nearest items by cosine. Stateless functions; thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/dataset/dataset.h"
#include "trainer/knn/similarity.h"
#include "trainer/marketing/tfidf.h"

namespace tailor {

struct ContentOptions {
  // Empty: the item attributes named title, name, description, text or
  // summary. Named attributes must exist.
  std::vector<std::string> text_attributes;
  // Empty: the item attributes named genres, genre, category, categories or
  // brand ('|'-separated values); {"none"} selects none.
  std::vector<std::string> category_attributes;
  TfidfOptions tfidf;  // callers usually set stop_words = EnglishStopWords()
};

struct ItemContent {
  std::vector<std::string> text_attributes;
  std::vector<std::string> category_attributes;
  TfidfResult tfidf;                // rows = item dense index
  int64_t items_without_terms = 0;  // zero vectors
};

// INVALID_ARGUMENT naming a requested attribute that items lack.
absl::StatusOr<ItemContent> BuildItemContent(const EntityColumns& items,
                                             const ContentOptions& options);

// users x terms: row u = sum over u's events of the item vector, divided
// by the number of events (zero row without events or vectors).
CsrMatrix UserContentProfiles(const CsrMatrix& user_major,
                              const CsrMatrix& item_vectors);

// Up to `neighbors` most similar other items per item by cosine (vectors
// are unit length, so the dot product), similarity > 0, ties by index.
// Cost: sum over terms of df^2.
NeighborTable NearestItems(const CsrMatrix& item_vectors, int neighbors);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_CONTENT_H_
