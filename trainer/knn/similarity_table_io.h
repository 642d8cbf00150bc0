#ifndef TAILOR_TRAINER_KNN_SIMILARITY_TABLE_IO_H_
#define TAILOR_TRAINER_KNN_SIMILARITY_TABLE_IO_H_

// The top-K similarity table file exported with neighbourhood models (the
// ranker's "similar items" candidates). Bytes: docs/formats/
// similarity_table.md, in the shared container of core/format/format.h.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "trainer/knn/similarity.h"

namespace tailor {

inline constexpr FileType kSimilarityTableFileType = {"TLRSIM01", 8,
                                                      "similarity table"};

// What the table relates and how it was computed.
struct SimilarityTableInfo {
  bool item_based = true;  // rows are items (else users)
  SimilarityMetric metric = SimilarityMetric::kCosine;
  int64_t max_neighbors = 0;  // as computed; 0 = unbounded
};

// Validates `table` and writes it to `path`. Errors name the path.
absl::Status WriteSimilarityTable(FileSystem* fs, const std::string& path,
                                  const NeighborTable& table,
                                  const SimilarityTableInfo& info);

// Reads and validates a table (checksums, sizes, sorted rows); `info` may be
// null. DATA_LOSS for corrupt or truncated files, naming the path.
absl::StatusOr<NeighborTable> ReadSimilarityTable(FileSystem* fs,
                                                  const std::string& path,
                                                  SimilarityTableInfo* info);

}  // namespace tailor

#endif  // TAILOR_TRAINER_KNN_SIMILARITY_TABLE_IO_H_
