#ifndef TAILOR_TRAINER_MARKETING_CONTENT_IO_H_
#define TAILOR_TRAINER_MARKETING_CONTENT_IO_H_

// Binary content artifacts (docs/formats/content.md) in the container of
// core/format/format.h: sparse vector sets (item_vectors.tsv... named
// *.tcv: row keys + CSR rows over the vocabulary) and the vocabulary
// (vocabulary.tvc: terms, document frequencies, idf).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "trainer/marketing/tfidf.h"

namespace tailor {

inline constexpr FileType kSparseVectorsFileType = {"TLRVEC01", 27,
                                                    "sparse vectors"};
inline constexpr FileType kVocabularyFileType = {"TLRVOC01", 28,
                                                 "tf-idf vocabulary"};

// `keys` name the rows (ascending). INVALID_ARGUMENT for bad shapes.
absl::Status WriteSparseVectors(FileSystem* fs, const std::string& path,
                                const std::vector<uint64_t>& keys,
                                const CsrMatrix& vectors);
absl::StatusOr<CsrMatrix> ReadSparseVectors(FileSystem* fs,
                                            const std::string& path,
                                            std::vector<uint64_t>* keys);

absl::Status WriteVocabulary(FileSystem* fs, const std::string& path,
                             const TfidfModel& model);
absl::StatusOr<TfidfModel> ReadVocabulary(FileSystem* fs,
                                          const std::string& path);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_CONTENT_IO_H_
