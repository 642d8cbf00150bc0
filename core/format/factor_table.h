#ifndef TAILOR_CORE_FORMAT_FACTOR_TABLE_H_
#define TAILOR_CORE_FORMAT_FACTOR_TABLE_H_

// Dense factor tables for models and checkpoints, and their file format
// (docs/formats/factor_table.md).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/file_system.h"
#include "core/format/aligned_buffer.h"

namespace tailor {

// `rows` rows of `dim` floats, row-major with stride dim (no padding), each
// row keyed by a uint64 key (sorted ascending, unique), plus an optional
// per-row bias (biases() empty, or rows long). Storage starts 64-byte
// aligned, so when dim is a multiple of 16 every row is 64-byte aligned. A
// plain value type; not synchronized.
class FactorTable {
 public:
  // Largest dim accepted by the reader.
  static constexpr int kMaxDim = 1 << 20;

  FactorTable() = default;
  // Zero factors, zero keys (to be filled in), no biases. CHECKs rows >= 0,
  // 0 <= dim <= kMaxDim.
  FactorTable(int64_t rows, int dim);

  int64_t rows() const { return rows_; }
  int dim() const { return dim_; }
  float* Row(int64_t i) { return data_.data() + i * dim_; }
  const float* Row(int64_t i) const { return data_.data() + i * dim_; }
  absl::Span<float> data() { return absl::MakeSpan(data_); }
  absl::Span<const float> data() const { return absl::MakeConstSpan(data_); }
  std::vector<uint64_t>& keys() { return keys_; }
  const std::vector<uint64_t>& keys() const { return keys_; }
  std::vector<float>& biases() { return biases_; }
  const std::vector<float>& biases() const { return biases_; }
  bool has_biases() const { return !biases_.empty(); }

  // Index of the row keyed `key` (binary search), or -1.
  int64_t FindRow(uint64_t key) const;

 private:
  friend absl::StatusOr<FactorTable> ReadFactorTable(FileSystem*,
                                                     const std::string&);
  int64_t rows_ = 0;
  int dim_ = 0;
  std::vector<float, AlignedAllocator<float>> data_;
  std::vector<uint64_t> keys_;
  std::vector<float> biases_;
};

// Checks keys (rows long, strictly ascending), biases (empty or rows long)
// and that every factor and bias is finite; the message names the first
// violation and starts with `what`.
absl::Status ValidateFactorTable(const FactorTable& table,
                                 absl::string_view what);

// Validates `table` (INVALID_ARGUMENT) and writes it to `path`.
absl::Status WriteFactorTable(FileSystem* fs, const std::string& path,
                              const FactorTable& table);

// Reads and fully validates a factor table file; errors name `path` and what
// is wrong (see FormatReader::Open; DATA_LOSS for invalid contents).
absl::StatusOr<FactorTable> ReadFactorTable(FileSystem* fs,
                                            const std::string& path);

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_FACTOR_TABLE_H_
