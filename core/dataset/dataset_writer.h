#ifndef TAILOR_CORE_DATASET_DATASET_WRITER_H_
#define TAILOR_CORE_DATASET_DATASET_WRITER_H_

// Writes a dataset directory (docs/formats/dataset.md) from a stream of
// interactions, with memory that grows with the number of distinct users and
// items, not with the number of interactions:
//   1. Add() appends fixed-size records (first-seen ordinals) to a spool file
//      and counts entries per user and item;
//   2. Finish() sorts keys into dense indices, chooses row ranges balanced by
//      entry count, scatters the spool into per-partition spools, builds and
//      writes each partition's block, writes users.tsv, items.tsv and
//      manifest.json, and publishes the directory with one atomic rename.
// Everything is written below `<output_dir>.tmp-ingest` first; a reader never
// sees half a dataset.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dataset/entity_table.h"
#include "core/dataset/manifest.h"
#include "core/file_system.h"
#include "core/format/aligned_buffer.h"

namespace tailor {

struct DatasetWriterOptions {
  FileSystem* fs = nullptr;  // not owned; required
  std::string output_dir;    // required; must not exist or be empty
  bool overwrite = false;    // replace an existing dataset at output_dir
  // Partitions are contiguous row ranges of about this many entries.
  int64_t target_partition_entries = int64_t{1} << 21;
  size_t spool_buffer_bytes = size_t{1} << 20;
};

// Seconds spent in each phase of the writer.
struct DatasetWriterTimings {
  double spool_seconds = 0;    // writing full spool buffers during Add()
  double sort_seconds = 0;     // key sort, dense remap, partition choice
  double scatter_seconds = 0;  // spool -> per-partition spools
  double build_seconds = 0;    // per-partition CSR build and row sort
  double write_seconds = 0;    // block, table and manifest files, checksums
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

  // Records one interaction between interned ordinals. `timestamp` (unix
  // seconds) and `amount` are stored only when the manifest given to Finish
  // says has_timestamps / has_amounts. Errors come from the file system.
  absl::Status Add(uint32_t user, uint32_t item, float value, int64_t timestamp,
                   float amount);

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
  absl::Status FlushSpool();
  absl::Status WritePartitions(bool user_major, const PartitionPlan& plan,
                               const std::vector<std::string>& sources,
                               DatasetManifest* manifest);
  absl::Status WriteTable(const EntityTable& table, const std::string& name,
                          DatasetManifest* manifest);
  absl::Status Publish();

  DatasetWriterOptions options_;
  std::string staging_dir_;
  std::string spool_dir_;
  EntityTable users_{"user"};
  EntityTable items_{"item"};
  // Entries per ordinal; huge-page backed (random increments per line).
  std::vector<int64_t, AlignedAllocator<int64_t>> user_entries_;
  std::vector<int64_t, AlignedAllocator<int64_t>> item_entries_;
  std::unique_ptr<WritableFile> spool_;
  std::string spool_buffer_;
  int64_t records_ = 0;
  int64_t min_timestamp_ = INT64_MAX;
  int64_t max_timestamp_ = INT64_MIN;
  bool finished_ = false;
  DatasetWriterTimings timings_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_DATASET_WRITER_H_
