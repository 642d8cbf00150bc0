#ifndef TAILOR_CORE_DATASET_DATASET_H_
#define TAILOR_CORE_DATASET_DATASET_H_

// Read access to a dataset directory written by `tailor ingest`
// (docs/formats/dataset.md). Dense index d of a user (item) is line d of
// users.tsv (items.tsv) and the tables are in ascending key order.
//
// Open() checks the manifest, the size of every listed file and the CRC-32C
// of both tables; each Load*() checks the CRC-32C of the blocks it reads.
// Every checksum error names the file. A Dataset is immutable after Open and
// safe to use from several threads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/dataset/manifest.h"
#include "core/file_system.h"
#include "core/format/sparse_block.h"

namespace tailor {

// users.tsv or items.tsv, column by column; row = dense index.
struct EntityColumns {
  std::vector<std::string> attribute_names;
  std::vector<uint64_t> keys;  // ascending
  std::vector<std::string> external_ids;
  std::vector<std::vector<std::string>> attributes;  // [row][attribute]

  int64_t size() const { return static_cast<int64_t>(keys.size()); }
  // Dense index of `key`, or -1.
  int64_t Find(uint64_t key) const;
};

class Dataset {
 public:
  // Errors: NOT_FOUND (no manifest), DATA_LOSS (a size or checksum mismatch,
  // a malformed table), each naming the file.
  static absl::StatusOr<std::unique_ptr<Dataset>> Open(FileSystem* fs,
                                                       const std::string& dir);

  const DatasetManifest& manifest() const { return manifest_; }
  const EntityColumns& users() const { return users_; }
  const EntityColumns& items() const { return items_; }

  // The whole matrix as one block (first_row 0): rows are users (items),
  // columns items (users); timestamps/amounts are filled when the manifest
  // says the dataset has them.
  absl::StatusOr<SparseBlock> LoadUserMajor() const;
  absl::StatusOr<SparseBlock> LoadItemMajor() const;
  // One partition: manifest().user_major[index] or item_major[index].
  absl::StatusOr<SparseBlock> LoadPartition(BlockOrientation orientation,
                                            size_t index) const;

  // Re-reads every file and checks its size and CRC-32C.
  absl::Status VerifyAllChecksums() const;

 private:
  Dataset(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  absl::StatusOr<std::string> ReadVerified(const std::string& relative) const;
  absl::StatusOr<SparseBlock> LoadAll(BlockOrientation orientation) const;

  FileSystem* fs_;
  std::string dir_;
  DatasetManifest manifest_;
  EntityColumns users_;
  EntityColumns items_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_DATASET_H_
