#ifndef TAILOR_CORE_FORMAT_SPARSE_BLOCK_H_
#define TAILOR_CORE_FORMAT_SPARSE_BLOCK_H_

// A partition of the interaction matrix (a range of user rows, or of item
// rows) and its file format, docs/formats/sparse_block.md. Rows may repeat a
// column (event logs), with columns non-decreasing within a row.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"

namespace tailor {

enum class BlockOrientation : uint32_t { kUserMajor = 1, kItemMajor = 2 };

// A plain value type; not synchronized.
struct SparseBlock {
  BlockOrientation orientation = BlockOrientation::kUserMajor;
  uint64_t first_row = 0;  // global dense index of this block's row 0
  CsrMatrix matrix;  // local rows; matrix.cols = columns of the whole matrix
  std::vector<int64_t> timestamps;  // per entry, unix seconds; empty if none
  std::vector<float> amounts;       // per entry monetary value; empty if none
};

// Checks the invariants: orientation known, indptr of rows + 1 entries from 0
// to nnz and non-decreasing, data nnz long, columns < cols and non-decreasing
// within each row, cols <= 2^32, first_row + rows <= 2^63, optional arrays
// empty or nnz long, values and amounts finite. The message names the first
// violation (the row or entry) and starts with `what` (e.g. a path).
absl::Status ValidateSparseBlock(const SparseBlock& block,
                                 absl::string_view what);

// Validates `block` (INVALID_ARGUMENT) and writes it to `path`.
absl::Status WriteSparseBlock(FileSystem* fs, const std::string& path,
                              const SparseBlock& block);

// Reads and fully validates a sparse block file; errors name `path` and what
// is wrong (see FormatReader::Open; DATA_LOSS for a structural violation).
absl::StatusOr<SparseBlock> ReadSparseBlock(FileSystem* fs,
                                            const std::string& path);

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_SPARSE_BLOCK_H_
