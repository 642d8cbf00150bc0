#ifndef TAILOR_CORE_DATASET_RECORD_SPOOL_H_
#define TAILOR_CORE_DATASET_RECORD_SPOOL_H_

// Append-only sequences of fixed-size interaction records that stay in memory
// while a shared budget allows and spill to a file beyond it, read back once
// in append order. The dataset writer keeps the input, and the records routed
// to each partition, in these.

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/file_system.h"

namespace tailor {

// One interaction: `row` and `col` are ordinals or dense indices, as the
// owner of the spool defines. 24 bytes, host byte order.
struct SpoolRecord {
  uint32_t row;
  uint32_t col;
  float value;
  float amount;
  int64_t timestamp;
};
static_assert(sizeof(SpoolRecord) == 24, "spool record layout");

// The sort buffers of a partition. Plain 4 KiB pages: on the development
// VM, huge pages for them cost more CPU time (docs/ingest.md, third round).
using RecordBuffer = std::vector<SpoolRecord>;

// The memory shared by a set of spools, handed out in chunks of
// chunk_records records, and a pool of freed chunks for reuse (so memory is
// faulted in once, not once per spool). Chunks are cut from slabs of about
// 48 MiB backed by transparent huge pages (AllocateAligned), so filling them
// costs one page fault per 2 MiB instead of one per 4 KiB. The slabs live
// until the SpoolMemory is destroyed, which must come after every spool
// that uses it. Not thread-safe.
class SpoolMemory {
 public:
  // Chunks belong to the slabs: the handle only marks who holds one.
  struct NoDelete {
    void operator()(SpoolRecord*) const {}
  };
  using Chunk = std::unique_ptr<SpoolRecord[], NoDelete>;
  SpoolMemory(size_t budget_bytes, size_t chunk_records);
  ~SpoolMemory();
  SpoolMemory(const SpoolMemory&) = delete;
  SpoolMemory& operator=(const SpoolMemory&) = delete;
  size_t chunk_records() const { return chunk_records_; }
  // A chunk, or nullptr when the budget is used up.
  Chunk Acquire();
  // A chunk even beyond the budget (a spool's one write buffer).
  Chunk AcquireForced();
  // Returns a chunk to the pool.
  void Release(Chunk chunk);
  // Scratch space of the spools for decoding one chunk at a time.
  std::vector<SpoolRecord>& decode_buffer() { return decode_buffer_; }

 private:
  size_t budget_chunks_;
  size_t chunk_records_;
  size_t in_use_ = 0;
  std::vector<Chunk> pool_;
  struct Slab {
    void* base;
    size_t bytes;
  };
  std::vector<Slab> slabs_;
  size_t slab_used_chunks_ = 0;  // chunks cut from slabs_.back()
  size_t chunks_per_slab_ = 1;
  std::vector<SpoolRecord> decode_buffer_;
};

// Not thread-safe. Records appended before a spill are read before those
// after it: the read order is always the append order.
//
// Records are stored in 16 bytes (row, col, value and the timestamp as a
// 32-bit offset from the spool's first timestamp) while their amount is
// +0.0 and the offset fits; from the first record that does not fit on,
// the spool stores all 24 bytes (a chunk holds records of one layout). Drain
// hands out full SpoolRecords either way, bit for bit as appended.
class RecordSpool {
 public:
  // `path` is created only if the spool spills. `memory` is not owned.
  RecordSpool(FileSystem* fs, std::string path, SpoolMemory* memory);
  ~RecordSpool();

  absl::Status Append(const SpoolRecord& r) {
    if (fill_ < capacity_) {
      if (!compact_) {
        current_[fill_++] = r;
        ++size_;
        return absl::OkStatus();
      }
      const int64_t dt = r.timestamp - base_timestamp_;
      uint32_t amount_bits;
      std::memcpy(&amount_bits, &r.amount, sizeof(amount_bits));
      if (amount_bits == 0 && dt == static_cast<int32_t>(dt)) {
        CompactRecord* c = reinterpret_cast<CompactRecord*>(current_.get());
        c[fill_++] =
            CompactRecord{r.row, r.col, r.value, static_cast<int32_t>(dt)};
        ++size_;
        return absl::OkStatus();
      }
    }
    return AppendSlow(r);
  }
  int64_t size() const { return size_; }
  bool spilled() const { return file_ != nullptr || !pieces_.empty(); }

  // Calls fn with every record, in append order and in batches, freeing the
  // memory as it goes; the spool is empty afterwards. Errors come from fn or
  // the file system (DATA_LOSS when the spill file is short).
  absl::Status Drain(
      const std::function<absl::Status(absl::Span<const SpoolRecord>)>& fn);
  // Drain into *out (resized to size()).
  absl::Status DrainInto(std::vector<SpoolRecord>* out);

 private:
  struct CompactRecord {
    uint32_t row;
    uint32_t col;
    float value;
    int32_t timestamp_offset;  // from base_timestamp_
  };
  static_assert(sizeof(CompactRecord) == 16, "compact record layout");
  struct Piece {
    SpoolMemory::Chunk chunk;  // nullptr: `records` records in the file
    size_t records;
    bool compact;
  };
  absl::Status AppendSlow(const SpoolRecord& r);
  absl::Status Seal();      // moves the current chunk into pieces_ or the file
  size_t Capacity() const;  // records per chunk in the current layout
  // The records of a piece as SpoolRecords (compact ones decoded into the
  // memory's decode buffer, valid until the next call).
  absl::Span<const SpoolRecord> Records(const SpoolRecord* chunk,
                                        size_t records, bool compact);

  FileSystem* fs_;
  std::string path_;
  SpoolMemory* memory_;
  std::vector<Piece> pieces_;
  SpoolMemory::Chunk current_;
  size_t fill_ = 0;
  size_t capacity_ = 0;
  bool compact_ = true;    // the layout of current_ and of what follows
  bool has_base_ = false;  // base_timestamp_ set (by the first record)
  int64_t base_timestamp_ = 0;
  int64_t size_ = 0;  // records appended and not drained, incl. current_
  std::unique_ptr<WritableFile> file_;
  bool in_file_ = false;  // some pieces live in the file
};

}  // namespace tailor

#endif  // TAILOR_CORE_DATASET_RECORD_SPOOL_H_
