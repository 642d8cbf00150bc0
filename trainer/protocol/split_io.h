#ifndef TAILOR_TRAINER_PROTOCOL_SPLIT_IO_H_
#define TAILOR_TRAINER_PROTOCOL_SPLIT_IO_H_

// A materialized protocol split on disk (docs/formats/split.md): split.json
// plus, per fold, user-major sparse blocks (core/format/sparse_block.h)
// train.tsb, test.tsb and, where the protocol has them, negatives.tsb and
// fold_in.tsb. Written by `tailor split`, read by `tailor eval --split`.
// Stateless functions.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "trainer/protocol/protocol_split.h"

namespace tailor {

inline constexpr int kSplitFormatVersion = 1;

struct SplitSource {
  std::string dataset_dir;
  std::string dataset_fingerprint;  // DatasetFingerprint of dataset_dir
};

// Writes `split` into `dir` (created; it must not exist yet) through a
// temporary sibling directory and a rename, so `dir` is always complete.
// Errors: `dir` exists, IO errors naming the file.
absl::Status WriteProtocolSplit(FileSystem* fs, const std::string& dir,
                                const ProtocolSplit& split,
                                const SplitSource& source);

struct LoadedSplit {
  ProtocolSplit split;
  SplitSource source;
};

// Reads and validates a split written by WriteProtocolSplit. Errors name
// the file at fault (missing, corrupt, inconsistent shapes or counts).
absl::StatusOr<LoadedSplit> ReadProtocolSplit(FileSystem* fs,
                                              const std::string& dir);

}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_SPLIT_IO_H_
