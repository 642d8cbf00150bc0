#ifndef TAILOR_TRAINER_MARKETING_CONTENT_IO_H_
#define TAILOR_TRAINER_MARKETING_CONTENT_IO_H_

// Binary content artifacts (docs/formats/content.md) in the container of
// core/format/format.h: the vocabulary (vocabulary.tvc: terms, document
// frequencies, idf). The sparse vector sets (*.tcv) are read and written by
// core/artifacts/sparse_vectors.h, included here.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "trainer/marketing/tfidf.h"

namespace tailor {

inline constexpr FileType kVocabularyFileType = {"TLRVOC01", 28,
                                                 "tf-idf vocabulary"};

absl::Status WriteVocabulary(FileSystem* fs, const std::string& path,
                             const TfidfModel& model);
absl::StatusOr<TfidfModel> ReadVocabulary(FileSystem* fs,
                                          const std::string& path);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_CONTENT_IO_H_
