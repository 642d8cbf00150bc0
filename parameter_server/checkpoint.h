#ifndef TAILOR_PARAMETER_SERVER_CHECKPOINT_H_
#define TAILOR_PARAMETER_SERVER_CHECKPOINT_H_

// A shard's checkpoint on a FileSystem (docs/formats/ps_checkpoint.md):
// <directory>/<iteration, 8 digits>/shard-<i>-of-<n>/ holding one container
// file per table (core/format, per-section CRC-32C) and a manifest.json that
// lists every file with its size and whole-file CRC-32C. Files are written
// into a temporary directory beside the final one and published by rename.
// Free functions and a writer object; the writer is not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "parameter_server/ps_types.h"

namespace tailor {

inline constexpr FileType kPsTableFileType = {"TLRPST01", 16,
                                              "parameter-server table"};

struct TableCheckpoint {
  TableSpec spec;
  uint64_t version = 0;
  std::vector<uint64_t> keys;        // sorted strictly ascending
  std::vector<float> values;         // keys.size() x dim
  std::vector<float> accumulators;   // empty or keys.size() x dim
  float initial_accumulator = 0.0f;  // > 0 when accumulators are kept
};

struct CheckpointedFile {
  std::string path;  // relative to the shard directory
  uint64_t bytes = 0;
  uint32_t crc32c = 0;
};

struct ShardCheckpointInfo {
  uint32_t shard_index = 0;
  uint32_t num_shards = 1;
  int64_t iteration = 0;
  int64_t clock = 0;         // min worker clock when written
  uint32_t num_workers = 0;  // 0: no Clock call had been seen
};

// "<directory>/<iteration %08d>/shard-<i>-of-<n>".
std::string ShardCheckpointDir(const std::string& directory, int64_t iteration,
                               uint32_t shard_index, uint32_t num_shards);

class CheckpointWriter {
 public:
  // Creates a fresh temporary directory for the shard checkpoint.
  static absl::StatusOr<CheckpointWriter> Begin(
      FileSystem* fs, const std::string& directory,
      const ShardCheckpointInfo& info);
  // Writes one table file now (so only one table is held at a time).
  absl::Status AddTable(const TableCheckpoint& table);
  // Writes manifest.json and publishes the directory (replacing an older
  // checkpoint of the same iteration). Returns the published path.
  absl::StatusOr<std::string> Commit();

  const std::vector<CheckpointedFile>& files() const { return files_; }
  uint64_t rows() const { return rows_; }
  uint64_t bytes() const { return bytes_; }

 private:
  CheckpointWriter() = default;
  FileSystem* fs_ = nullptr;
  std::string final_dir_, temp_dir_;
  ShardCheckpointInfo info_;
  std::vector<CheckpointedFile> files_;
  std::vector<std::string> table_entries_;  // JSON objects, one per table
  uint64_t rows_ = 0, bytes_ = 0;
};

// The newest iteration under `directory` for which all `num_shards` shard
// directories exist. NOT_FOUND (ERROR_REASON_CHECKPOINT_NOT_FOUND) when none.
absl::StatusOr<int64_t> NewestCompleteCheckpoint(FileSystem* fs,
                                                 const std::string& directory,
                                                 uint32_t num_shards);

// Reads and verifies every file of a shard checkpoint before returning.
// NOT_FOUND (CHECKPOINT_NOT_FOUND) when missing; DATA_LOSS
// (CHECKSUM_MISMATCH) when any byte is damaged; messages name the file.
struct ShardCheckpointContents {
  ShardCheckpointInfo info;
  std::vector<TableCheckpoint> tables;
};
absl::StatusOr<ShardCheckpointContents> ReadShardCheckpoint(
    FileSystem* fs, const std::string& directory, int64_t iteration,
    uint32_t shard_index, uint32_t num_shards);

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_CHECKPOINT_H_
