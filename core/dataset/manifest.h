#ifndef TAILOR_CORE_DATASET_MANIFEST_H_
#define TAILOR_CORE_DATASET_MANIFEST_H_

// manifest.json of a dataset directory (docs/formats/dataset.md): counts,
// provenance, partitions and the checksum of every other file.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor {

inline constexpr int kDatasetFormatVersion = 1;

struct DatasetFile {
  std::string path;  // relative to the dataset directory
  uint64_t bytes = 0;
  uint32_t crc32c = 0;
};

struct DatasetPartition {
  std::string path;  // relative, e.g. "user_major/part-00000.blk"
  uint64_t first_row = 0;
  uint64_t rows = 0;
  uint64_t entries = 0;
};

struct DatasetSource {
  std::string role;         // "interactions", "users" or "items"
  std::string path;         // as given on the command line
  std::string compression;  // "none", "gzip" or "xz"
  int64_t lines_read = 0;   // data lines (header excluded)
  int64_t accepted = 0;
};

// A plain value type.
struct DatasetManifest {
  int format_version = kDatasetFormatVersion;
  std::string preset;  // "" for generic column mapping
  int64_t lines_read = 0;
  int64_t accepted = 0;
  std::map<std::string, int64_t> rejected;  // reason -> lines
  int64_t users = 0;
  int64_t items = 0;
  int64_t interactions = 0;
  std::string value_name = "value";  // what the entry value means
  bool has_timestamps = false;
  bool has_amounts = false;
  int64_t min_timestamp = 0;  // unix seconds; 0 when !has_timestamps
  int64_t max_timestamp = 0;
  std::string user_key_hashing = "public";  // or "pseudonymized"
  std::string item_key_hashing = "public";
  std::vector<std::string> user_attributes;  // users.tsv columns after id
  std::vector<std::string> item_attributes;
  std::vector<std::string> policy;  // human-readable policy notes
  std::vector<DatasetSource> sources;
  std::vector<DatasetPartition> user_major;
  std::vector<DatasetPartition> item_major;
  std::vector<DatasetFile> files;  // every file except manifest.json
  double ingest_seconds = 0;
};

// Serializes to pretty-printed JSON (numbers as JSON numbers).
std::string ManifestToJson(const DatasetManifest& manifest);

// Parses and checks manifest.json; errors name `what` (e.g. its path) and
// the missing or malformed field.
absl::StatusOr<DatasetManifest> ManifestFromJson(absl::string_view json,
                                                 absl::string_view what);

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_MANIFEST_H_
