#ifndef TAILOR_CORE_ARTIFACTS_SEGMENT_IO_H_
#define TAILOR_CORE_ARTIFACTS_SEGMENT_IO_H_

// Binary segment artifacts (docs/formats/segments.md) in the container of
// core/format/format.h: assignments.tsa (user key -> K-means and RFM
// segment) and item_affinity.tia (segment x item smoothed lift). Written by
// `tailor segment` (trainer/marketing), read there and by the ranker.
// Plain functions and value types.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/format.h"

namespace tailor {

inline constexpr FileType kSegmentAssignmentsFileType = {"TLRSGA01", 25,
                                                         "segment assignments"};
inline constexpr FileType kItemAffinityFileType = {"TLRAFF01", 26,
                                                   "segment item affinity"};

// Number of RFM segment codes (trainer/marketing/rfm.h RfmSegment).
inline constexpr int kRfmSegmentCodeCount = 12;

// Per-segment item affinity, the smoothed lift of trainer/marketing
// (docs/marketing.md). Items a segment never touched have default_lift.
struct ItemAffinity {
  int segments = 0;
  int64_t items = 0;
  double prior_events = 0;
  std::vector<float> default_lift;  // per segment, for untouched items
  CsrMatrix lift;  // segments x items, entries for touched items only
};

struct SegmentAssignments {
  std::vector<uint64_t> user_keys;  // ascending
  std::vector<int32_t> kmeans;      // -1 = no segment (no events)
  std::vector<int32_t> rfm;         // RfmSegment value
  std::vector<std::string> kmeans_names;
};

absl::Status WriteSegmentAssignments(FileSystem* fs, const std::string& path,
                                     const SegmentAssignments& a);
// DATA_LOSS naming `path` for corrupt files or out-of-range labels.
absl::StatusOr<SegmentAssignments> ReadSegmentAssignments(
    FileSystem* fs, const std::string& path);

// `item_keys` are the keys of the affinity's item columns.
absl::Status WriteItemAffinity(FileSystem* fs, const std::string& path,
                               const ItemAffinity& a,
                               const std::vector<uint64_t>& item_keys);
absl::StatusOr<ItemAffinity> ReadItemAffinity(FileSystem* fs,
                                              const std::string& path,
                                              std::vector<uint64_t>* item_keys);

}  // namespace tailor

#endif  // TAILOR_CORE_ARTIFACTS_SEGMENT_IO_H_
