#include "core/dataset/record_spool.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/format/aligned_buffer.h"
#include "core/status_macros.h"

namespace tailor {

namespace {
constexpr size_t kSlabBytes = size_t{48} << 20;  // 64 chunks of 768 KiB
}  // namespace

SpoolMemory::SpoolMemory(size_t budget_bytes, size_t chunk_records)
    : budget_chunks_(budget_bytes / (std::max<size_t>(chunk_records, 1) *
                                     sizeof(SpoolRecord))),
      chunk_records_(std::max<size_t>(chunk_records, 1)) {
  chunks_per_slab_ =
      std::max<size_t>(1, kSlabBytes / (chunk_records_ * sizeof(SpoolRecord)));
  slab_used_chunks_ = chunks_per_slab_;  // no slab yet
}

SpoolMemory::~SpoolMemory() {
  pool_.clear();
  for (const Slab& s : slabs_) FreeAligned(s.base, s.bytes);
}

SpoolMemory::Chunk SpoolMemory::Acquire() {
  if (in_use_ >= budget_chunks_) return nullptr;
  return AcquireForced();
}

SpoolMemory::Chunk SpoolMemory::AcquireForced() {
  ++in_use_;
  if (!pool_.empty()) {
    Chunk c = std::move(pool_.back());
    pool_.pop_back();
    return c;
  }
  const size_t chunk_bytes = chunk_records_ * sizeof(SpoolRecord);
  if (slab_used_chunks_ == chunks_per_slab_) {
    const size_t bytes = chunks_per_slab_ * chunk_bytes;
    slabs_.push_back(Slab{AllocateAligned(bytes), bytes});
    slab_used_chunks_ = 0;
  }
  // Uninitialized: no pass that zeroes the records.
  char* base = static_cast<char*>(slabs_.back().base);
  return Chunk(
      reinterpret_cast<SpoolRecord*>(base + chunk_bytes * slab_used_chunks_++));
}

void SpoolMemory::Release(Chunk chunk) {
  if (chunk == nullptr) return;
  --in_use_;
  pool_.push_back(std::move(chunk));
}

RecordSpool::RecordSpool(FileSystem* fs, std::string path, SpoolMemory* memory)
    : fs_(fs), path_(std::move(path)), memory_(memory) {}

RecordSpool::~RecordSpool() {
  for (Piece& p : pieces_) memory_->Release(std::move(p.chunk));
  memory_->Release(std::move(current_));
}

size_t RecordSpool::Capacity() const {
  const size_t records = memory_->chunk_records();
  return compact_ ? std::max<size_t>(1, records * sizeof(SpoolRecord) /
                                            sizeof(CompactRecord))
                  : records;
}

absl::Status RecordSpool::AppendSlow(const SpoolRecord& r) {
  if (!has_base_) {
    base_timestamp_ = r.timestamp;
    has_base_ = true;
  }
  uint32_t amount_bits;
  std::memcpy(&amount_bits, &r.amount, sizeof(amount_bits));
  const int64_t dt = r.timestamp - base_timestamp_;
  const bool fits = amount_bits == 0 && dt == static_cast<int32_t>(dt);
  if (current_ == nullptr) {
    compact_ = compact_ && fits;
    current_ = memory_->Acquire();
    if (current_ == nullptr) current_ = memory_->AcquireForced();
    capacity_ = Capacity();
    fill_ = 0;
  } else if (compact_ && !fits) {
    // From now on every record takes 24 bytes: the chunk of compact
    // records is closed as it is.
    if (fill_ > 0) TAILOR_RETURN_IF_ERROR(Seal());
    compact_ = false;
    capacity_ = Capacity();
  } else if (fill_ == capacity_) {
    TAILOR_RETURN_IF_ERROR(Seal());
  }
  return Append(r);
}

absl::Status RecordSpool::Seal() {
  SpoolMemory::Chunk next = memory_->Acquire();
  const size_t bytes =
      fill_ * (compact_ ? sizeof(CompactRecord) : sizeof(SpoolRecord));
  if (next != nullptr) {
    pieces_.push_back(Piece{std::move(current_), fill_, compact_});
    current_ = std::move(next);
  } else {
    // Over budget: the full chunk goes to the file in one write and the
    // chunk is reused.
    if (file_ == nullptr) {
      TAILOR_ASSIGN_OR_RETURN(file_, fs_->NewWritableFile(path_));
    }
    TAILOR_RETURN_IF_ERROR(file_->Append(absl::string_view(
        reinterpret_cast<const char*>(current_.get()), bytes)));
    pieces_.push_back(Piece{nullptr, fill_, compact_});
    in_file_ = true;
  }
  fill_ = 0;
  return absl::OkStatus();
}

absl::Span<const SpoolRecord> RecordSpool::Records(const SpoolRecord* chunk,
                                                   size_t records,
                                                   bool compact) {
  if (!compact) return absl::MakeConstSpan(chunk, records);
  std::vector<SpoolRecord>& decoded = memory_->decode_buffer();
  if (decoded.size() < records) decoded.resize(records);
  const CompactRecord* c = reinterpret_cast<const CompactRecord*>(chunk);
  SpoolRecord* out = decoded.data();
  const int64_t base = base_timestamp_;
  for (size_t i = 0; i < records; ++i) {
    out[i] = SpoolRecord{c[i].row, c[i].col, c[i].value, 0.0f,
                         base + c[i].timestamp_offset};
  }
  return absl::MakeConstSpan(out, records);
}

absl::Status RecordSpool::Drain(
    const std::function<absl::Status(absl::Span<const SpoolRecord>)>& fn) {
  std::unique_ptr<ReadableFile> in;
  SpoolMemory::Chunk buffer;
  if (in_file_) {
    TAILOR_RETURN_IF_ERROR(file_->Close());
    file_.reset();
    TAILOR_ASSIGN_OR_RETURN(in, fs_->NewReadableFile(path_));
    buffer = memory_->AcquireForced();
  }
  absl::Status status;
  for (Piece& p : pieces_) {
    if (!status.ok()) {
      memory_->Release(std::move(p.chunk));
      continue;
    }
    if (p.chunk != nullptr) {
      status = fn(Records(p.chunk.get(), p.records, p.compact));
      memory_->Release(std::move(p.chunk));
      continue;
    }
    char* dst = reinterpret_cast<char*>(buffer.get());
    const size_t want =
        p.records * (p.compact ? sizeof(CompactRecord) : sizeof(SpoolRecord));
    size_t have = 0;
    while (status.ok() && have < want) {
      absl::StatusOr<size_t> got = in->Read(want - have, dst + have);
      if (!got.ok()) {
        status = got.status();
      } else if (*got == 0) {
        status = absl::DataLossError(
            absl::StrCat("spool ", path_, " is shorter than written"));
      } else {
        have += *got;
      }
    }
    if (status.ok()) status = fn(Records(buffer.get(), p.records, p.compact));
  }
  pieces_.clear();
  memory_->Release(std::move(buffer));
  if (status.ok() && fill_ > 0) {
    status = fn(Records(current_.get(), fill_, compact_));
  }
  memory_->Release(std::move(current_));
  fill_ = capacity_ = 0;
  size_ = 0;
  in_file_ = false;
  compact_ = true;
  has_base_ = false;
  return status;
}

absl::Status RecordSpool::DrainInto(std::vector<SpoolRecord>* out) {
  out->resize(static_cast<size_t>(size_));
  size_t at = 0;
  return Drain([&](absl::Span<const SpoolRecord> batch) {
    std::memcpy(out->data() + at, batch.data(),
                batch.size() * sizeof(SpoolRecord));
    at += batch.size();
    return absl::OkStatus();
  });
}

}  // namespace tailor
