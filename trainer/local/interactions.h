#ifndef TAILOR_TRAINER_LOCAL_INTERACTIONS_H_
#define TAILOR_TRAINER_LOCAL_INTERACTIONS_H_

// The training view of a dataset directory: one user-major matrix with one
// entry per (user, item), the entry's latest timestamp, and the keys of the
// dense indices. Repeated events of a pair are merged (docs/training.md):
// ratings keep the latest value, other values (counts, quantities) are
// summed.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/sparse_block.h"

namespace tailor {

struct Interactions {
  CsrMatrix matrix;                 // users x items, unique sorted columns
  std::vector<int64_t> timestamps;  // per entry, or empty
  std::vector<uint64_t> user_keys;  // by dense user index
  std::vector<uint64_t> item_keys;  // by dense item index
  bool ratings = false;             // values are explicit ratings
};

// Merges repeated columns of each row of `block` (sorted by column, then
// time): the value by `policy`, the timestamp is the latest.
Interactions MergeRepeatedEvents(const SparseBlock& block,
                                 DuplicatePolicy policy);

// Opens `dataset_dir`, verifies its checksums and merges repeated events.
// Errors name the dataset and the file at fault.
absl::StatusOr<Interactions> LoadInteractions(FileSystem* fs,
                                              const std::string& dataset_dir);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_INTERACTIONS_H_
