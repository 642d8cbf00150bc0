#include "core/format/sparse_block.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/format/format.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

// Section ids and the meta layout (docs/formats/sparse_block.md).
constexpr uint32_t kMetaId = 1;
constexpr uint32_t kIndptrId = 2;
constexpr uint32_t kIndicesId = 3;
constexpr uint32_t kValuesId = 4;
constexpr uint32_t kTimestampsId = 5;
constexpr uint32_t kAmountsId = 6;
constexpr size_t kMetaWords = 8;
enum MetaWord {
  kOrientation = 0,
  kFirstRow = 1,
  kRows = 2,
  kCols = 3,
  kNnz = 4,
};

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

bool IsFinite(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return (bits & 0x7F800000u) != 0x7F800000u;
}

// Index of the first non-finite value, or -1 (a branch-free scan first).
int64_t FirstNonFinite(const std::vector<float>& values) {
  uint32_t bad = 0;
  const float* p = values.data();
  const size_t n = values.size();
  for (size_t i = 0; i < n; ++i) bad |= IsFinite(p[i]) ? 0u : 1u;
  if (bad == 0) return -1;
  for (size_t i = 0; i < n; ++i) {
    if (!IsFinite(p[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

// True when the CSR invariants of ValidateCsr(m, true) hold; branch-light
// loops the compiler vectorizes. ValidateCsr then only runs to name the first
// violation.
bool FastCsrCheck(const CsrMatrix& m) {
  if (m.rows < 0 || m.cols < 0 || m.cols > (int64_t{1} << 32) ||
      static_cast<int64_t>(m.indptr.size()) != m.rows + 1 || m.indptr[0] != 0 ||
      m.data.size() != m.indices.size() || m.indptr[m.rows] != m.nnz()) {
    return false;
  }
  const int64_t* indptr = m.indptr.data();
  bool bad = false;
  for (int64_t r = 0; r < m.rows; ++r) bad |= indptr[r + 1] < indptr[r];
  if (bad) return false;
  const uint32_t* idx = m.indices.data();
  const int64_t nnz = m.nnz();
  uint32_t max_col = 0;
  for (int64_t k = 0; k < nnz; ++k) max_col = std::max(max_col, idx[k]);
  if (nnz > 0 && static_cast<int64_t>(max_col) >= m.cols) return false;
  for (int64_t r = 0; r < m.rows; ++r) {
    uint32_t descents = 0;
    for (int64_t k = indptr[r] + 1; k < indptr[r + 1]; ++k) {
      descents |= static_cast<uint32_t>(idx[k] < idx[k - 1]);
    }
    bad |= descents != 0;
  }
  return !bad && FirstNonFinite(m.data) < 0;
}

}  // namespace

absl::Status ValidateSparseBlock(const SparseBlock& block,
                                 absl::string_view what) {
  const CsrMatrix& m = block.matrix;
  if (block.orientation != BlockOrientation::kUserMajor &&
      block.orientation != BlockOrientation::kItemMajor) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": unknown block orientation ",
                     static_cast<uint32_t>(block.orientation)));
  }
  if (m.indptr.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": indptr is empty, expected rows + 1 entries"));
  }
  if (!FastCsrCheck(m)) {
    absl::Status csr = ValidateCsr(m, /*allow_duplicate_columns=*/true);
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", csr.ok() ? "invalid CSR structure" : csr.message()));
  }
  if (block.first_row > static_cast<uint64_t>(kMaxInt64 - m.rows)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": first_row ", block.first_row, " + rows ", m.rows,
                     " exceeds 2^63 - 1"));
  }
  const uint64_t nnz = m.indices.size();
  if (!block.timestamps.empty() && block.timestamps.size() != nnz) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", block.timestamps.size(), " timestamps for ",
                     nnz, " entries (expected 0 or ", nnz, ")"));
  }
  if (!block.amounts.empty() && block.amounts.size() != nnz) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", block.amounts.size(), " amounts for ", nnz,
                     " entries (expected 0 or ", nnz, ")"));
  }
  const int64_t bad = FirstNonFinite(block.amounts);
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": non-finite amount ", block.amounts[bad], " at entry ", bad));
  }
  return absl::OkStatus();
}

absl::Status WriteSparseBlock(FileSystem* fs, const std::string& path,
                              const SparseBlock& block) {
  TAILOR_RETURN_IF_ERROR(ValidateSparseBlock(
      block, absl::StrCat(path, ": cannot write invalid sparse block")));
  const CsrMatrix& m = block.matrix;
  uint64_t meta[kMetaWords] = {};
  meta[kOrientation] = static_cast<uint64_t>(block.orientation);
  meta[kFirstRow] = block.first_row;
  meta[kRows] = static_cast<uint64_t>(m.rows);
  meta[kCols] = static_cast<uint64_t>(m.cols);
  meta[kNnz] = m.indices.size();
  FormatWriter writer(kSparseBlockFileType);
  writer.AddSection<uint64_t>(kMetaId, "meta", meta);
  writer.AddSection<int64_t>(kIndptrId, "indptr", m.indptr);
  writer.AddSection<uint32_t>(kIndicesId, "indices", m.indices);
  writer.AddSection<float>(kValuesId, "values", m.data);
  writer.AddSection<int64_t>(kTimestampsId, "timestamps", block.timestamps);
  writer.AddSection<float>(kAmountsId, "amounts", block.amounts);
  return writer.WriteFile(fs, path);
}

absl::StatusOr<SparseBlock> ReadSparseBlock(FileSystem* fs,
                                            const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader reader,
      FormatReader::Open(buffer.view(), path, kSparseBlockFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, reader.Array<uint64_t>(kMetaId, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto indptr,
                          reader.Array<int64_t>(kIndptrId, "indptr"));
  TAILOR_ASSIGN_OR_RETURN(auto indices,
                          reader.Array<uint32_t>(kIndicesId, "indices"));
  TAILOR_ASSIGN_OR_RETURN(auto values,
                          reader.Array<float>(kValuesId, "values"));
  TAILOR_ASSIGN_OR_RETURN(auto timestamps,
                          reader.Array<int64_t>(kTimestampsId, "timestamps"));
  TAILOR_ASSIGN_OR_RETURN(auto amounts,
                          reader.Array<float>(kAmountsId, "amounts"));
  auto corrupt = [&path](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(path, ": ", parts...));
  };
  if (meta.size() != kMetaWords) {
    return corrupt("section 'meta' has ", meta.size(), " words, expected ",
                   kMetaWords);
  }
  for (size_t w = kNnz + 1; w < kMetaWords; ++w) {
    if (meta[w] != 0) return corrupt("meta word ", w, " is reserved but not 0");
  }
  const uint64_t rows = meta[kRows];
  const uint64_t nnz = meta[kNnz];
  if (rows >= static_cast<uint64_t>(kMaxInt64) || indptr.size() != rows + 1) {
    return corrupt("section 'indptr' has ", indptr.size(),
                   " entries, expected rows + 1 = ", rows, " + 1");
  }
  if (meta[kCols] > (uint64_t{1} << 32)) {
    return corrupt("cols ", meta[kCols], " exceeds 2^32");
  }
  if (indices.size() != nnz || values.size() != nnz) {
    return corrupt("meta declares ", nnz, " entries but 'indices' has ",
                   indices.size(), " and 'values' has ", values.size());
  }
  if (!timestamps.empty() && timestamps.size() != nnz) {
    return corrupt("section 'timestamps' has ", timestamps.size(),
                   " entries, expected 0 or ", nnz);
  }
  if (!amounts.empty() && amounts.size() != nnz) {
    return corrupt("section 'amounts' has ", amounts.size(),
                   " entries, expected 0 or ", nnz);
  }
  if (meta[kOrientation] !=
          static_cast<uint64_t>(BlockOrientation::kUserMajor) &&
      meta[kOrientation] !=
          static_cast<uint64_t>(BlockOrientation::kItemMajor)) {
    return corrupt("unknown block orientation ", meta[kOrientation]);
  }
  SparseBlock block;
  block.orientation = static_cast<BlockOrientation>(meta[kOrientation]);
  block.first_row = meta[kFirstRow];
  block.matrix.rows = static_cast<int64_t>(rows);
  block.matrix.cols = static_cast<int64_t>(meta[kCols]);
  block.matrix.indptr.assign(indptr.begin(), indptr.end());
  block.matrix.indices.assign(indices.begin(), indices.end());
  block.matrix.data.assign(values.begin(), values.end());
  block.timestamps.assign(timestamps.begin(), timestamps.end());
  block.amounts.assign(amounts.begin(), amounts.end());
  absl::Status valid = ValidateSparseBlock(block, path);
  if (!valid.ok()) return absl::DataLossError(valid.message());
  return block;
}

}  // namespace tailor
