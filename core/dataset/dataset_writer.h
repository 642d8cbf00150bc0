#ifndef TAILOR_CORE_DATASET_DATASET_WRITER_H_
#define TAILOR_CORE_DATASET_DATASET_WRITER_H_

// Writes a dataset directory (docs/formats/dataset.md) from a stream of
// interactions:
//   1. Add() / AddCounted() append records (first-seen ordinals; 16 bytes
//      while amounts are 0 and timestamps close, else 24) to a spool
//      (record_spool.h: memory up to spool_memory_bytes, then files) while
//      EntityTable counts entries per user and item;
//   2. Finish() sorts keys into dense indices, chooses row ranges balanced by
//      entry count, routes the records to per-partition spools of the
//      user-major orientation, and for each partition radix-sorts by row,
//      sorts within rows and writes the block, routing its entries (in
//      block order) on to the item-major partitions, whose rows then come
//      out in order from a stable radix sort alone; then it writes
//      users.tsv, items.tsv and manifest.json and publishes the directory
//      with one atomic rename.
// Blocks and tables are bulk files (FileSystem::NewBulkWritableFile: the
// POSIX file system writes them around the page cache).
// Everything is written below `<output_dir>.tmp-ingest` first; a reader never
// sees half a dataset.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/dataset/entity_table.h"
#include "core/dataset/manifest.h"
#include "core/dataset/record_spool.h"
#include "core/file_system.h"
#include "core/format/sparse_block.h"

namespace tailor {

struct DatasetWriterOptions {
  FileSystem* fs = nullptr;  // not owned; required
  std::string output_dir;    // required; must not exist or be empty
  bool overwrite = false;    // replace an existing dataset at output_dir
  // Partitions are contiguous row ranges of about this many entries.
  int64_t target_partition_entries = int64_t{1} << 21;
  // Spooled records (16 or 24 bytes per interaction, record_spool.h; at
  // most about twice the input's while finishing) stay in memory up to this
  // many bytes and spill to files in the staging directory beyond it.
  // Default 1 GiB.
  size_t spool_memory_bytes = size_t{1} << 30;
  size_t spool_chunk_records = size_t{1} << 15;  // 768 KiB per chunk
};

// CPU seconds of the calling thread in each phase of the writer.
struct DatasetWriterTimings {
  double spool_seconds = 0;  // Add / AddCounted
  double sort_seconds = 0;   // key sort, dense remap, partition choice
  double route_seconds = 0;  // input spool -> user-major partition spools
  double build_seconds = 0;  // radix sorts, row sorts, CSR arrays, routing
  double write_seconds = 0;  // block, table and manifest files, checksums
};

// Not thread-safe. Destroying an unfinished writer removes its staging
// directory.
class DatasetWriter {
 public:
  // FAILED_PRECONDITION when output_dir holds files and !overwrite.
  static absl::StatusOr<std::unique_ptr<DatasetWriter>> Create(
      const DatasetWriterOptions& options);
  ~DatasetWriter();

  // Users and items met so far (intern ids here, then call Add).
  EntityTable& users() { return users_; }
  EntityTable& items() { return items_; }

  // Records one interaction between interned ordinals and counts it for
  // both. `timestamp` (unix seconds) and `amount` are stored only when the
  // manifest given to Finish says has_timestamps / has_amounts.
  // INVALID_ARGUMENT for an ordinal not interned; else file-system errors.
  absl::Status Add(uint32_t user, uint32_t item, float value, int64_t timestamp,
                   float amount);
  // Records interactions (row = user ordinal, col = item ordinal) whose
  // entries EntityTable::InternBatch already counted, once in each table.
  absl::Status AddCounted(absl::Span<const SpoolRecord> records);

  // Completes and publishes the dataset. `manifest` supplies provenance and
  // counts of the input (preset, lines, rejected, sources, policy,
  // has_timestamps, has_amounts, value_name, key hashing); the writer fills in
  // users, items, interactions, time range, attributes, partitions and files.
  // Returns the manifest as written. May be called once.
  absl::StatusOr<DatasetManifest> Finish(DatasetManifest manifest);

  const DatasetWriterTimings& timings() const { return timings_; }

 private:
  struct PartitionPlan;
  explicit DatasetWriter(const DatasetWriterOptions& options);
  // Drains partition p's spool into records_buffer_, sorts it into block
  // order and writes the block.
  absl::Status BuildBlock(bool user_major, size_t p, const PartitionPlan& plan,
                          DatasetManifest* manifest);
  // Routes the entries of user-major partition p (in records_buffer_, in
  // block order) to the item-major partition spools.
  absl::Status RouteToItemMajor(uint64_t first_user,
                                const PartitionPlan& items);
  absl::Status WriteTable(const EntityTable& table,
                          const std::vector<uint32_t>& order,
                          const std::string& name, DatasetManifest* manifest);
  absl::Status Publish();

  DatasetWriterOptions options_;
  std::string staging_dir_;
  std::string spool_dir_;
  EntityTable users_{"user"};
  EntityTable items_{"item"};
  std::unique_ptr<SpoolMemory> memory_;
  std::unique_ptr<RecordSpool> spool_;
  std::vector<std::unique_ptr<RecordSpool>> user_parts_, item_parts_;
  RecordBuffer records_buffer_, scratch_;  // reused per block
  SparseBlock block_;                      // reused per block
  int64_t records_ = 0;
  int64_t min_timestamp_ = INT64_MAX;
  int64_t max_timestamp_ = INT64_MIN;
  bool finished_ = false;
  DatasetWriterTimings timings_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_DATASET_WRITER_H_
