#ifndef TAILOR_CORE_ARTIFACTS_SPARSE_VECTORS_H_
#define TAILOR_CORE_ARTIFACTS_SPARSE_VECTORS_H_

// Sparse vector sets (docs/formats/content.md, *.tcv) in the container of
// core/format/format.h: row keys + CSR rows over a vocabulary. Written by
// `tailor content` (trainer/marketing), read there and by the ranker. Plain
// functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/format.h"

namespace tailor {

inline constexpr FileType kSparseVectorsFileType = {"TLRVEC01", 27,
                                                    "sparse vectors"};

// `keys` name the rows (ascending). INVALID_ARGUMENT for bad shapes.
absl::Status WriteSparseVectors(FileSystem* fs, const std::string& path,
                                const std::vector<uint64_t>& keys,
                                const CsrMatrix& vectors);
// DATA_LOSS naming `path` for corrupt files; `keys` may be null.
absl::StatusOr<CsrMatrix> ReadSparseVectors(FileSystem* fs,
                                            const std::string& path,
                                            std::vector<uint64_t>* keys);

}  // namespace tailor

#endif  // TAILOR_CORE_ARTIFACTS_SPARSE_VECTORS_H_
