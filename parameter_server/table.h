#ifndef TAILOR_PARAMETER_SERVER_TABLE_H_
#define TAILOR_PARAMETER_SERVER_TABLE_H_

// One shard's part of a table: fixed-width float rows keyed by uint64. Rows
// live in a block arena (blocks of about 1 MiB, never moved) indexed by an
// absl::flat_hash_map key -> row index; reading a never-written key returns
// its deterministic initial value without storing it. Optional per-value
// accumulators (AdaGrad) live in a parallel arena. Not thread-safe: the
// owner (ShardState) guards each Table with its own mutex.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "parameter_server/gram.h"
#include "parameter_server/ps_types.h"
#include "parameter_server/update_rule.h"

namespace tailor {

// Which rows GramPartial sums.
struct GramSelection {
  enum class Kind { kAllStored, kKeyRange, kKeys };
  Kind kind = Kind::kAllStored;
  uint64_t begin = 0;  // kKeyRange: begin <= key < end (end 0 = no bound)
  uint64_t end = 0;
  absl::Span<const uint64_t> keys;  // kKeys; unwritten keys count as initial
};

class Table {
 public:
  explicit Table(const TableSpec& spec);

  const TableSpec& spec() const { return spec_; }
  int dim() const { return spec_.dim; }
  int64_t rows() const { return static_cast<int64_t>(keys_.size()); }
  // Pushes applied so far (the table_version of the protocol).
  uint64_t version() const { return version_; }
  // Bytes of row and accumulator storage (arena blocks plus hash index).
  uint64_t bytes() const;
  bool has_accumulators() const { return acc_on_; }
  float initial_accumulator() const { return initial_accumulator_; }

  // Writes the rows of `keys` to out[i * dim ...]. Unwritten keys get their
  // initial value, or with `require_existing` NOT_FOUND
  // (ERROR_REASON_KEY_NOT_FOUND) naming the first such key; `out` is then
  // partly written.
  absl::Status Read(absl::Span<const uint64_t> keys, bool require_existing,
                    float* out) const;

  struct ApplyCounts {
    int64_t rows_applied = 0;
    int64_t rows_created = 0;
  };
  // Applies rows `values` (keys.size() x dim) to `keys` (unique) with `rule`
  // and counts one more version. Input must be validated by the caller.
  ApplyCounts Apply(absl::Span<const uint64_t> keys, const float* values,
                    const UpdateRule& rule);

  // Adds the rows selected to `gram`.
  void AddToGram(const GramSelection& selection, GramAccumulator* gram) const;

  // Every stored row, sorted by key (for checkpoints). `accumulators` is
  // left empty when the table has none.
  void ExportSorted(std::vector<uint64_t>* keys, std::vector<float>* values,
                    std::vector<float>* accumulators) const;
  // A table holding exactly these rows. INVALID_ARGUMENT when the spec is
  // bad or the sizes disagree.
  static absl::StatusOr<std::unique_ptr<Table>> FromRows(
      const TableSpec& spec, absl::Span<const uint64_t> keys,
      absl::Span<const float> values, absl::Span<const float> accumulators,
      float initial_accumulator, uint64_t version);

 private:
  float* Row(uint32_t index);
  const float* Row(uint32_t index) const;
  float* Accumulator(uint32_t index);
  uint32_t AddRow(uint64_t key);  // storage uninitialized
  void EnableAccumulators(float initial);

  TableSpec spec_;
  int64_t rows_per_block_;
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  std::vector<uint64_t> keys_;  // row index -> key
  std::vector<std::unique_ptr<float[]>> blocks_;
  bool acc_on_ = false;
  float initial_accumulator_ = 0.0f;
  std::vector<std::unique_ptr<float[]>> acc_blocks_;
  uint64_t version_ = 0;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_TABLE_H_
