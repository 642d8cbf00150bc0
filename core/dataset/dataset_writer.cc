#include "core/dataset/dataset_writer.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/dataset/partition_sort.h"
#include "core/format/checksum.h"
#include "core/status_macros.h"

namespace tailor {

// Dense indices and row ranges of one orientation.
struct DatasetWriter::PartitionPlan {
  std::vector<uint32_t> row_dense;  // by row-entity ordinal
  std::vector<int64_t> entries;     // by dense row
  std::vector<uint64_t> bounds;     // partition p = [bounds[p], bounds[p+1])
  uint64_t cols = 0;
  size_t partitions() const { return bounds.size() - 1; }
};

namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

std::vector<uint32_t> DenseOf(const std::vector<uint32_t>& order) {
  std::vector<uint32_t> dense(order.size());
  for (uint32_t d = 0; d < order.size(); ++d) dense[order[d]] = d;
  return dense;
}

// A writable file that forwards to another and keeps the size and CRC-32C
// of everything appended, so files need not be read back for the manifest.
class ChecksummingFile final : public WritableFile {
 public:
  ChecksummingFile(std::unique_ptr<WritableFile> base, DatasetFile* out)
      : base_(std::move(base)), out_(out) {}
  absl::Status Append(absl::string_view data) override {
    out_->bytes += data.size();
    out_->crc32c = Crc32c(data, out_->crc32c);
    return base_->Append(data);
  }
  absl::Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<WritableFile> base_;
  DatasetFile* out_;
};

// Forwards to `base`; files created through it are checksummed into `out`
// and are bulk files (FileSystem::NewBulkWritableFile: blocks are large and
// not read back by the ingest, so the POSIX file system writes them around
// the page cache).
class ChecksummingFileSystem final : public FileSystem {
 public:
  ChecksummingFileSystem(FileSystem* base, DatasetFile* out)
      : base_(base), out_(out) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f,
                            base_->NewBulkWritableFile(path));
    out_->bytes = 0;
    out_->crc32c = 0;
    return std::unique_ptr<WritableFile>(
        std::make_unique<ChecksummingFile>(std::move(f), out_));
  }
  absl::StatusOr<std::unique_ptr<ReadableFile>> NewReadableFile(
      const std::string& path) override {
    return base_->NewReadableFile(path);
  }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    return base_->FileSize(path);
  }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  absl::Status CreateDirs(const std::string& path) override {
    return base_->CreateDirs(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    return base_->ListDir(path);
  }
  absl::Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  absl::Status DeleteRecursively(const std::string& path) override {
    return base_->DeleteRecursively(path);
  }

 private:
  FileSystem* base_;
  DatasetFile* out_;
};

}  // namespace

DatasetWriter::DatasetWriter(const DatasetWriterOptions& options)
    : options_(options) {}

DatasetWriter::~DatasetWriter() {
  if (!finished_ && options_.fs != nullptr && !staging_dir_.empty()) {
    spool_.reset();
    user_parts_.clear();
    item_parts_.clear();
    options_.fs->DeleteRecursively(staging_dir_).IgnoreError();
  }
}

absl::StatusOr<std::unique_ptr<DatasetWriter>> DatasetWriter::Create(
    const DatasetWriterOptions& options) {
  if (options.fs == nullptr || options.output_dir.empty()) {
    return absl::InvalidArgumentError(
        "DatasetWriter needs a file system and an output directory");
  }
  if (options.target_partition_entries <= 0) {
    return absl::InvalidArgumentError("target_partition_entries must be > 0");
  }
  FileSystem* fs = options.fs;
  std::string out = options.output_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (fs->Exists(out) && !options.overwrite) {
    absl::StatusOr<std::vector<std::string>> entries = fs->ListDir(out);
    if (!entries.ok() || !entries->empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "output ", out,
          " already exists and is not an empty directory; choose another "
          "--output or pass --overwrite"));
    }
  }
  auto writer = absl::WrapUnique(new DatasetWriter(options));
  writer->options_.output_dir = out;
  writer->staging_dir_ = out + ".tmp-ingest";
  writer->spool_dir_ = JoinPath(writer->staging_dir_, "spool");
  if (fs->Exists(writer->staging_dir_)) {
    TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(writer->staging_dir_));
  }
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(writer->spool_dir_));
  TAILOR_RETURN_IF_ERROR(
      fs->CreateDirs(JoinPath(writer->staging_dir_, "user_major")));
  TAILOR_RETURN_IF_ERROR(
      fs->CreateDirs(JoinPath(writer->staging_dir_, "item_major")));
  writer->memory_ = std::make_unique<SpoolMemory>(options.spool_memory_bytes,
                                                  options.spool_chunk_records);
  writer->spool_ = std::make_unique<RecordSpool>(
      fs, JoinPath(writer->spool_dir_, "interactions.spool"),
      writer->memory_.get());
  return writer;
}

absl::Status DatasetWriter::Add(uint32_t user, uint32_t item, float value,
                                int64_t timestamp, float amount) {
  if (user >= users_.size() || item >= items_.size()) {
    return absl::InvalidArgumentError(
        "DatasetWriter::Add: ordinal not interned");
  }
  users_.AddEntries(user, 1);
  items_.AddEntries(item, 1);
  const SpoolRecord r{user, item, value, amount, timestamp};
  return AddCounted(absl::MakeConstSpan(&r, 1));
}

absl::Status DatasetWriter::AddCounted(absl::Span<const SpoolRecord> records) {
  if (spool_ == nullptr) {
    return absl::FailedPreconditionError("DatasetWriter::Add after Finish");
  }
  const double start = CpuSeconds();
  const uint32_t users = static_cast<uint32_t>(users_.size());
  const uint32_t items = static_cast<uint32_t>(items_.size());
  int64_t lo = min_timestamp_, hi = max_timestamp_;
  absl::Status status;
  for (const SpoolRecord& r : records) {
    if (r.row >= users || r.col >= items) {
      status = absl::InvalidArgumentError(
          "DatasetWriter::AddCounted: ordinal not interned");
      break;
    }
    lo = std::min(lo, r.timestamp);
    hi = std::max(hi, r.timestamp);
    status = spool_->Append(r);
    if (!status.ok()) break;
    ++records_;
  }
  min_timestamp_ = lo;
  max_timestamp_ = hi;
  timings_.spool_seconds += CpuSeconds() - start;
  return status;
}

absl::StatusOr<DatasetManifest> DatasetWriter::Finish(
    DatasetManifest manifest) {
  if (finished_ || spool_ == nullptr) {
    return absl::FailedPreconditionError("DatasetWriter::Finish called twice");
  }
  FileSystem* fs = options_.fs;

  // Dense indices in key order, and row ranges per orientation.
  double start = CpuSeconds();
  const std::vector<uint32_t> user_order = users_.SortedOrder();
  const std::vector<uint32_t> item_order = items_.SortedOrder();
  PartitionPlan by_user, by_item;
  by_user.row_dense = DenseOf(user_order);
  by_item.row_dense = DenseOf(item_order);
  by_user.cols = items_.size();
  by_item.cols = users_.size();
  for (auto [plan, table, order] :
       {std::make_tuple(&by_user, &users_, &user_order),
        std::make_tuple(&by_item, &items_, &item_order)}) {
    const std::vector<int64_t> counts = table->EntryCounts();
    plan->entries.resize(order->size());
    int64_t total = 0;
    for (size_t d = 0; d < order->size(); ++d) {
      plan->entries[d] = counts[(*order)[d]];
      total += plan->entries[d];
    }
    if (total != records_) {
      return absl::InternalError(absl::StrCat(
          "DatasetWriter: ", total, " entries counted but ", records_,
          " records added (records added with AddCounted must be counted by "
          "EntityTable::InternBatch)"));
    }
    plan->bounds =
        ChooseBounds(plan->entries, options_.target_partition_entries);
  }
  timings_.sort_seconds += CpuSeconds() - start;

  // Route the input records to the user-major partitions, as (row within
  // the partition, dense item).
  start = CpuSeconds();
  for (size_t p = 0; p < by_user.partitions(); ++p) {
    user_parts_.push_back(std::make_unique<RecordSpool>(
        fs, JoinPath(spool_dir_, absl::StrFormat("u-%05d", p)), memory_.get()));
  }
  const uint32_t* user_dense = by_user.row_dense.data();
  const uint32_t* item_dense = by_item.row_dense.data();
  const absl::Span<const uint64_t> bounds = by_user.bounds;
  const bool one_part = by_user.partitions() == 1;
  TAILOR_RETURN_IF_ERROR(
      spool_->Drain([&](absl::Span<const SpoolRecord> batch) -> absl::Status {
        constexpr size_t kAhead = 16;
        for (size_t i = 0; i < batch.size(); ++i) {
          if (i + kAhead < batch.size()) {
            __builtin_prefetch(&user_dense[batch[i + kAhead].row]);
          }
          const SpoolRecord& r = batch[i];
          const uint32_t row = user_dense[r.row];
          const size_t p = one_part ? 0 : RangeOf(bounds, row);
          TAILOR_RETURN_IF_ERROR(user_parts_[p]->Append(
              SpoolRecord{static_cast<uint32_t>(row - bounds[p]),
                          item_dense[r.col], r.value, r.amount, r.timestamp}));
        }
        return absl::OkStatus();
      }));
  spool_.reset();
  timings_.route_seconds += CpuSeconds() - start;

  manifest.users = static_cast<int64_t>(users_.size());
  manifest.items = static_cast<int64_t>(items_.size());
  manifest.interactions = records_;
  if (manifest.has_timestamps && records_ > 0) {
    manifest.min_timestamp = min_timestamp_;
    manifest.max_timestamp = max_timestamp_;
  } else {
    manifest.min_timestamp = manifest.max_timestamp = 0;
  }
  manifest.user_attributes = users_.attribute_names();
  manifest.item_attributes = items_.attribute_names();
  manifest.user_major.clear();
  manifest.item_major.clear();
  manifest.files.clear();
  for (size_t q = 0; q < by_item.partitions(); ++q) {
    item_parts_.push_back(std::make_unique<RecordSpool>(
        fs, JoinPath(spool_dir_, absl::StrFormat("i-%05d", q)), memory_.get()));
  }
  for (size_t p = 0; p < by_user.partitions(); ++p) {
    TAILOR_RETURN_IF_ERROR(
        BuildBlock(/*user_major=*/true, p, by_user, &manifest));
    start = CpuSeconds();
    TAILOR_RETURN_IF_ERROR(RouteToItemMajor(by_user.bounds[p], by_item));
    timings_.build_seconds += CpuSeconds() - start;
  }
  for (size_t q = 0; q < by_item.partitions(); ++q) {
    TAILOR_RETURN_IF_ERROR(
        BuildBlock(/*user_major=*/false, q, by_item, &manifest));
  }
  records_buffer_ = {};
  scratch_ = {};
  block_ = SparseBlock();

  start = CpuSeconds();
  TAILOR_RETURN_IF_ERROR(
      WriteTable(users_, user_order, "users.tsv", &manifest));
  TAILOR_RETURN_IF_ERROR(
      WriteTable(items_, item_order, "items.tsv", &manifest));
  user_parts_.clear();
  item_parts_.clear();
  TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(spool_dir_));
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(staging_dir_, "manifest.json"), ManifestToJson(manifest)));
  TAILOR_RETURN_IF_ERROR(Publish());
  timings_.write_seconds += CpuSeconds() - start;
  finished_ = true;
  return manifest;
}

absl::Status DatasetWriter::RouteToItemMajor(uint64_t first_user,
                                             const PartitionPlan& items) {
  // records_buffer_ is in block order: by user, then item, time, value,
  // amount. Appending in this order and sorting each item partition stably
  // by row gives item rows ordered by user, time, value and amount: the
  // item-major block order, without sorting within rows.
  const absl::Span<const uint64_t> bounds = items.bounds;
  const bool one_part = items.partitions() == 1;
  for (const SpoolRecord& r : records_buffer_) {
    const size_t q = one_part ? 0 : RangeOf(bounds, r.col);
    TAILOR_RETURN_IF_ERROR(item_parts_[q]->Append(
        SpoolRecord{static_cast<uint32_t>(r.col - bounds[q]),
                    static_cast<uint32_t>(first_user + r.row), r.value,
                    r.amount, r.timestamp}));
  }
  return absl::OkStatus();
}

absl::Status DatasetWriter::BuildBlock(bool user_major, size_t p,
                                       const PartitionPlan& plan,
                                       DatasetManifest* manifest) {
  double start = CpuSeconds();
  const uint64_t first = plan.bounds[p];
  const uint64_t rows = plan.bounds[p + 1] - first;
  const std::string relative = absl::StrFormat(
      "%s/part-%05d.blk", user_major ? "user_major" : "item_major",
      static_cast<int>(p));
  std::unique_ptr<RecordSpool>& spool =
      user_major ? user_parts_[p] : item_parts_[p];
  const absl::Span<const int64_t> row_entries =
      absl::MakeConstSpan(plan.entries).subspan(first, rows);
  absl::Status sorted =
      DrainSortedByRow(spool.get(), row_entries, &records_buffer_, &scratch_);
  spool.reset();
  if (!sorted.ok()) {
    return absl::DataLossError(
        absl::StrCat("dataset writer: ", relative, ": ", sorted.message()));
  }
  SparseBlock& block = block_;
  block.orientation =
      user_major ? BlockOrientation::kUserMajor : BlockOrientation::kItemMajor;
  block.first_row = first;
  CsrMatrix& m = block.matrix;
  m.rows = static_cast<int64_t>(rows);
  m.cols = static_cast<int64_t>(plan.cols);
  m.indptr.resize(rows + 1);
  m.indptr[0] = 0;
  for (uint64_t r = 0; r < rows; ++r) {
    m.indptr[r + 1] = m.indptr[r] + row_entries[r];
  }
  const int64_t nnz = m.indptr[rows];
  SpoolRecord* recs = records_buffer_.data();
  if (user_major) {  // item-major rows arrive in order (RouteToItemMajor)
    for (uint64_t r = 0; r < rows; ++r) {
      const int64_t b = m.indptr[r], e = m.indptr[r + 1];
      if (e - b > 1) SortRow(recs + b, recs + e);
    }
  }
  m.indices.resize(nnz);
  m.data.resize(nnz);
  block.timestamps.resize(manifest->has_timestamps ? nnz : 0);
  block.amounts.resize(manifest->has_amounts ? nnz : 0);
  for (int64_t i = 0; i < nnz; ++i) {
    m.indices[i] = recs[i].col;
    m.data[i] = recs[i].value;
  }
  if (manifest->has_timestamps) {
    for (int64_t i = 0; i < nnz; ++i) block.timestamps[i] = recs[i].timestamp;
  }
  if (manifest->has_amounts) {
    for (int64_t i = 0; i < nnz; ++i) block.amounts[i] = recs[i].amount;
  }
  timings_.build_seconds += CpuSeconds() - start;

  start = CpuSeconds();
  DatasetFile file{relative, 0, 0};
  ChecksummingFileSystem checksumming(options_.fs, &file);
  TAILOR_RETURN_IF_ERROR(
      WriteSparseBlock(&checksumming, JoinPath(staging_dir_, relative), block));
  manifest->files.push_back(file);
  DatasetPartition part{relative, first, rows, static_cast<uint64_t>(nnz)};
  (user_major ? manifest->user_major : manifest->item_major).push_back(part);
  timings_.write_seconds += CpuSeconds() - start;
  return absl::OkStatus();
}

absl::Status DatasetWriter::WriteTable(const EntityTable& table,
                                       const std::vector<uint32_t>& order,
                                       const std::string& name,
                                       DatasetManifest* manifest) {
  TAILOR_ASSIGN_OR_RETURN(
      std::unique_ptr<WritableFile> file,
      options_.fs->NewBulkWritableFile(JoinPath(staging_dir_, name)));
  DatasetFile described{name, 0, 0};
  std::string buffer;
  table.AppendTsvHeader(&buffer);
  auto flush = [&]() -> absl::Status {
    described.bytes += buffer.size();
    described.crc32c = Crc32c(buffer, described.crc32c);
    absl::Status s = file->Append(buffer);
    buffer.clear();
    return s;
  };
  // Key order visits ordinals at random: prefetch the lines ahead.
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + kAhead < order.size()) table.PrefetchTsvLine(order[i + kAhead]);
    table.AppendTsvLine(order[i], &buffer);
    if (buffer.size() >= (1 << 20)) TAILOR_RETURN_IF_ERROR(flush());
  }
  TAILOR_RETURN_IF_ERROR(flush());
  TAILOR_RETURN_IF_ERROR(file->Close());
  manifest->files.push_back(described);
  return absl::OkStatus();
}

absl::Status DatasetWriter::Publish() {
  FileSystem* fs = options_.fs;
  const std::string& out = options_.output_dir;
  if (fs->Exists(out)) {
    TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> entries, fs->ListDir(out));
    if (!entries.empty()) {
      if (!options_.overwrite) {
        return absl::FailedPreconditionError(absl::StrCat(
            "output ", out, " appeared while ingesting; not replacing it"));
      }
      const std::string old = out + ".old-ingest";
      if (fs->Exists(old)) TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(old));
      TAILOR_RETURN_IF_ERROR(fs->Rename(out, old));
      TAILOR_RETURN_IF_ERROR(fs->Rename(staging_dir_, out));
      return fs->DeleteRecursively(old);
    }
  }
  return fs->Rename(staging_dir_, out);
}

}  // namespace tailor
