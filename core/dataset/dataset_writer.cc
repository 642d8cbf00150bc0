#include "core/dataset/dataset_writer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/format/checksum.h"
#include "core/format/sparse_block.h"
#include "core/status_macros.h"

namespace tailor {

namespace {
// One spooled interaction; 24 bytes, written in host (little-endian) order.
struct Record {
  uint32_t user;  // ordinal in users_
  uint32_t item;  // ordinal in items_
  float value;
  float amount;
  int64_t timestamp;
};
static_assert(sizeof(Record) == 24, "spool record layout");
}  // namespace

// Dense indices and row ranges of one orientation.
struct DatasetWriter::PartitionPlan {
  std::vector<uint32_t> row_dense;    // by row-entity ordinal
  std::vector<uint32_t> col_dense;    // by column-entity ordinal
  std::vector<int64_t> entries;       // by dense row
  std::vector<uint64_t> bounds;       // partition p = [bounds[p], bounds[p+1])
  std::vector<uint32_t> part_of_row;  // by row ordinal; when > 1 partition
  uint64_t cols = 0;
  size_t partitions() const { return bounds.size() - 1; }
};

namespace {

double SecondsSince(absl::Time start) {
  return absl::ToDoubleSeconds(absl::Now() - start);
}

std::vector<uint32_t> DenseOf(const std::vector<uint32_t>& order) {
  std::vector<uint32_t> dense(order.size());
  for (uint32_t d = 0; d < order.size(); ++d) dense[order[d]] = d;
  return dense;
}

// Row ranges of about `target` entries each (at least one range).
std::vector<uint64_t> ChooseBounds(const std::vector<int64_t>& entries,
                                   int64_t target) {
  std::vector<uint64_t> bounds = {0};
  int64_t acc = 0;
  for (size_t r = 0; r < entries.size(); ++r) {
    acc += entries[r];
    if (acc >= target && r + 1 < entries.size()) {
      bounds.push_back(r + 1);
      acc = 0;
    }
  }
  bounds.push_back(entries.size());
  return bounds;
}

// Reads whole records from a spool file in large pieces.
class SpoolReader {
 public:
  static constexpr size_t kRecordsPerRead = 1 << 15;
  explicit SpoolReader(std::unique_ptr<ReadableFile> file)
      : file_(std::move(file)), buffer_(kRecordsPerRead * 24) {}

  // Returns the next batch (empty at the end).
  template <typename Rec>
  absl::StatusOr<absl::Span<const Rec>> Next() {
    size_t have = carry_;
    while (have < buffer_.size()) {
      TAILOR_ASSIGN_OR_RETURN(size_t got, file_->Read(buffer_.size() - have,
                                                      buffer_.data() + have));
      if (got == 0) break;
      have += got;
    }
    const size_t n = have / sizeof(Rec);
    records_.resize(n);
    std::memcpy(records_.data(), buffer_.data(), n * sizeof(Rec));
    carry_ = have - n * sizeof(Rec);
    std::memmove(buffer_.data(), buffer_.data() + n * sizeof(Rec), carry_);
    return absl::Span<const Rec>(reinterpret_cast<const Rec*>(records_.data()),
                                 n);
  }
  bool clean_end() const { return carry_ == 0; }

 private:
  std::unique_ptr<ReadableFile> file_;
  std::vector<char> buffer_;
  std::vector<Record> records_;
  size_t carry_ = 0;
};

// A spool file being appended to through a buffer.
class SpoolWriter {
 public:
  explicit SpoolWriter(std::unique_ptr<WritableFile> file)
      : file_(std::move(file)) {}
  absl::Status Append(const void* data, size_t n) {
    buffer_.append(static_cast<const char*>(data), n);
    if (buffer_.size() >= (1 << 18)) return Flush();
    return absl::OkStatus();
  }
  absl::Status Flush() {
    absl::Status s = file_->Append(buffer_);
    buffer_.clear();
    return s;
  }
  absl::Status Close() {
    TAILOR_RETURN_IF_ERROR(Flush());
    return file_->Close();
  }

 private:
  std::unique_ptr<WritableFile> file_;
  std::string buffer_;
};

struct Entry {
  uint32_t col;
  float value;
  float amount;
  int64_t timestamp;
};

// Column, then time; then value and amount, so that the order of a row is
// fully determined (entries equal in all four are interchangeable).
bool EntryLess(const Entry& a, const Entry& b) {
  if (a.col != b.col) return a.col < b.col;
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.value != b.value) return a.value < b.value;
  return a.amount < b.amount;
}

void SortRow(Entry* begin, Entry* end) {
  if (end - begin <= 32) {  // insertion sort: fast for short rows
    for (Entry* i = begin + 1; i < end; ++i) {
      Entry e = *i;
      Entry* j = i;
      while (j > begin && EntryLess(e, j[-1])) {
        *j = j[-1];
        --j;
      }
      *j = e;
    }
  } else {
    std::sort(begin, end, EntryLess);
  }
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

// Forwards to `base`; files created through it are checksummed into `out`.
class ChecksummingFileSystem final : public FileSystem {
 public:
  ChecksummingFileSystem(FileSystem* base, DatasetFile* out)
      : base_(base), out_(out) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f,
                            base_->NewWritableFile(path));
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
  TAILOR_ASSIGN_OR_RETURN(
      writer->spool_,
      fs->NewWritableFile(JoinPath(writer->spool_dir_, "interactions.spool")));
  writer->spool_buffer_.reserve(options.spool_buffer_bytes + sizeof(Record));
  return writer;
}

absl::Status DatasetWriter::FlushSpool() {
  const absl::Time start = absl::Now();
  absl::Status s = spool_->Append(spool_buffer_);
  spool_buffer_.clear();
  timings_.spool_seconds += SecondsSince(start);
  return s;
}

absl::Status DatasetWriter::Add(uint32_t user, uint32_t item, float value,
                                int64_t timestamp, float amount) {
  if (user >= users_.size() || item >= items_.size()) {
    return absl::InvalidArgumentError(
        "DatasetWriter::Add: ordinal not interned");
  }
  if (user >= user_entries_.size()) user_entries_.resize(users_.size());
  if (item >= item_entries_.size()) item_entries_.resize(items_.size());
  ++user_entries_[user];
  ++item_entries_[item];
  min_timestamp_ = std::min(min_timestamp_, timestamp);
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  const Record r{user, item, value, amount, timestamp};
  spool_buffer_.append(reinterpret_cast<const char*>(&r), sizeof(r));
  ++records_;
  if (spool_buffer_.size() >= options_.spool_buffer_bytes) return FlushSpool();
  return absl::OkStatus();
}

absl::StatusOr<DatasetManifest> DatasetWriter::Finish(
    DatasetManifest manifest) {
  if (finished_ || spool_ == nullptr) {
    return absl::FailedPreconditionError("DatasetWriter::Finish called twice");
  }
  FileSystem* fs = options_.fs;
  TAILOR_RETURN_IF_ERROR(FlushSpool());
  TAILOR_RETURN_IF_ERROR(spool_->Close());
  spool_.reset();
  user_entries_.resize(users_.size());
  item_entries_.resize(items_.size());

  // Dense indices in key order, and row ranges per orientation.
  absl::Time start = absl::Now();
  const std::vector<uint32_t> user_order = users_.SortedOrder();
  const std::vector<uint32_t> item_order = items_.SortedOrder();
  PartitionPlan by_user, by_item;
  by_user.row_dense = DenseOf(user_order);
  by_user.col_dense = DenseOf(item_order);
  by_item.row_dense = by_user.col_dense;
  by_item.col_dense = by_user.row_dense;
  by_user.cols = items_.size();
  by_item.cols = users_.size();
  by_user.entries.resize(users_.size());
  for (size_t d = 0; d < user_order.size(); ++d) {
    by_user.entries[d] = user_entries_[user_order[d]];
  }
  by_item.entries.resize(items_.size());
  for (size_t d = 0; d < item_order.size(); ++d) {
    by_item.entries[d] = item_entries_[item_order[d]];
  }
  by_user.bounds =
      ChooseBounds(by_user.entries, options_.target_partition_entries);
  by_item.bounds =
      ChooseBounds(by_item.entries, options_.target_partition_entries);
  for (PartitionPlan* plan : {&by_user, &by_item}) {
    if (plan->partitions() <= 1) continue;
    plan->part_of_row.resize(plan->row_dense.size());
    size_t p = 0;
    std::vector<uint32_t> part_of_dense(plan->row_dense.size());
    for (uint64_t d = 0; d < part_of_dense.size(); ++d) {
      while (d >= plan->bounds[p + 1]) ++p;
      part_of_dense[d] = static_cast<uint32_t>(p);
    }
    for (size_t o = 0; o < plan->row_dense.size(); ++o) {
      plan->part_of_row[o] = part_of_dense[plan->row_dense[o]];
    }
  }
  timings_.sort_seconds += SecondsSince(start);

  // Scatter the spool into per-partition spools (only where needed).
  start = absl::Now();
  const std::string main_spool = JoinPath(spool_dir_, "interactions.spool");
  std::vector<std::string> user_sources(by_user.partitions(), main_spool);
  std::vector<std::string> item_sources(by_item.partitions(), main_spool);
  // With few partitions, reading the spool once per partition (skipping
  // other rows) is cheaper than writing and re-reading per-partition spools:
  // page-cache writes cost several times more than reads.
  constexpr size_t kMaxPartitionsWithoutScatter = 16;
  if (by_user.partitions() + by_item.partitions() >
      kMaxPartitionsWithoutScatter) {
    std::vector<std::unique_ptr<SpoolWriter>> user_out, item_out;
    for (size_t p = 0; by_user.partitions() > 1 && p < by_user.partitions();
         ++p) {
      user_sources[p] = JoinPath(spool_dir_, absl::StrFormat("u-%05d", p));
      TAILOR_ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(user_sources[p]));
      user_out.push_back(std::make_unique<SpoolWriter>(std::move(f)));
    }
    for (size_t p = 0; by_item.partitions() > 1 && p < by_item.partitions();
         ++p) {
      item_sources[p] = JoinPath(spool_dir_, absl::StrFormat("i-%05d", p));
      TAILOR_ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(item_sources[p]));
      item_out.push_back(std::make_unique<SpoolWriter>(std::move(f)));
    }
    TAILOR_ASSIGN_OR_RETURN(auto in, fs->NewReadableFile(main_spool));
    SpoolReader reader(std::move(in));
    for (;;) {
      TAILOR_ASSIGN_OR_RETURN(absl::Span<const Record> batch,
                              reader.Next<Record>());
      if (batch.empty()) break;
      for (const Record& r : batch) {
        if (!user_out.empty()) {
          TAILOR_RETURN_IF_ERROR(
              user_out[by_user.part_of_row[r.user]]->Append(&r, sizeof(r)));
        }
        if (!item_out.empty()) {
          TAILOR_RETURN_IF_ERROR(
              item_out[by_item.part_of_row[r.item]]->Append(&r, sizeof(r)));
        }
      }
    }
    for (auto& w : user_out) TAILOR_RETURN_IF_ERROR(w->Close());
    for (auto& w : item_out) TAILOR_RETURN_IF_ERROR(w->Close());
  }
  timings_.scatter_seconds += SecondsSince(start);

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
  TAILOR_RETURN_IF_ERROR(
      WritePartitions(/*user_major=*/true, by_user, user_sources, &manifest));
  TAILOR_RETURN_IF_ERROR(
      WritePartitions(/*user_major=*/false, by_item, item_sources, &manifest));

  start = absl::Now();
  TAILOR_RETURN_IF_ERROR(WriteTable(users_, "users.tsv", &manifest));
  TAILOR_RETURN_IF_ERROR(WriteTable(items_, "items.tsv", &manifest));
  TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(spool_dir_));
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(staging_dir_, "manifest.json"), ManifestToJson(manifest)));
  TAILOR_RETURN_IF_ERROR(Publish());
  timings_.write_seconds += SecondsSince(start);
  finished_ = true;
  return manifest;
}

absl::Status DatasetWriter::WritePartitions(
    bool user_major, const PartitionPlan& plan,
    const std::vector<std::string>& sources, DatasetManifest* manifest) {
  FileSystem* fs = options_.fs;
  const char* dir = user_major ? "user_major" : "item_major";
  for (size_t p = 0; p < plan.partitions(); ++p) {
    absl::Time start = absl::Now();
    const uint64_t first = plan.bounds[p];
    const uint64_t rows = plan.bounds[p + 1] - first;
    SparseBlock block;
    block.orientation = user_major ? BlockOrientation::kUserMajor
                                   : BlockOrientation::kItemMajor;
    block.first_row = first;
    block.matrix.rows = static_cast<int64_t>(rows);
    block.matrix.cols = static_cast<int64_t>(plan.cols);
    block.matrix.indptr.assign(rows + 1, 0);
    for (uint64_t r = 0; r < rows; ++r) {
      block.matrix.indptr[r + 1] =
          block.matrix.indptr[r] + plan.entries[first + r];
    }
    const int64_t nnz = block.matrix.indptr[rows];
    std::vector<Entry, AlignedAllocator<Entry>> entries(
        static_cast<size_t>(nnz));
    std::vector<int64_t> cursor(block.matrix.indptr.begin(),
                                block.matrix.indptr.end() - 1);
    TAILOR_ASSIGN_OR_RETURN(auto in, fs->NewReadableFile(sources[p]));
    SpoolReader reader(std::move(in));
    for (;;) {
      TAILOR_ASSIGN_OR_RETURN(absl::Span<const Record> batch,
                              reader.Next<Record>());
      if (batch.empty()) break;
      for (const Record& rec : batch) {
        const uint32_t row_ord = user_major ? rec.user : rec.item;
        const uint32_t col_ord = user_major ? rec.item : rec.user;
        const uint64_t row = plan.row_dense[row_ord];
        if (row < first || row >= first + rows) continue;  // other partition
        int64_t& pos = cursor[row - first];
        if (pos >= block.matrix.indptr[row - first + 1]) {
          return absl::InternalError(
              absl::StrCat("spool ", sources[p], " disagrees with the counts"));
        }
        entries[pos++] = Entry{plan.col_dense[col_ord], rec.value, rec.amount,
                               rec.timestamp};
      }
    }
    if (!reader.clean_end()) {
      return absl::DataLossError(
          absl::StrCat("spool ", sources[p], " ends inside a record"));
    }
    for (uint64_t r = 0; r < rows; ++r) {
      if (cursor[r] != block.matrix.indptr[r + 1]) {
        return absl::DataLossError(
            absl::StrCat("spool ", sources[p], " is missing records"));
      }
      SortRow(entries.data() + block.matrix.indptr[r],
              entries.data() + block.matrix.indptr[r + 1]);
    }
    block.matrix.indices.resize(nnz);
    block.matrix.data.resize(nnz);
    if (manifest->has_timestamps) block.timestamps.resize(nnz);
    if (manifest->has_amounts) block.amounts.resize(nnz);
    for (int64_t i = 0; i < nnz; ++i) {
      block.matrix.indices[i] = entries[i].col;
      block.matrix.data[i] = entries[i].value;
      if (manifest->has_timestamps) block.timestamps[i] = entries[i].timestamp;
      if (manifest->has_amounts) block.amounts[i] = entries[i].amount;
    }
    std::vector<Entry, AlignedAllocator<Entry>>().swap(entries);
    timings_.build_seconds += SecondsSince(start);

    start = absl::Now();
    const std::string relative =
        absl::StrFormat("%s/part-%05d.blk", dir, static_cast<int>(p));
    DatasetFile file{relative, 0, 0};
    ChecksummingFileSystem checksumming(fs, &file);
    TAILOR_RETURN_IF_ERROR(WriteSparseBlock(
        &checksumming, JoinPath(staging_dir_, relative), block));
    manifest->files.push_back(file);
    DatasetPartition part{relative, first, rows, static_cast<uint64_t>(nnz)};
    (user_major ? manifest->user_major : manifest->item_major).push_back(part);
    timings_.write_seconds += SecondsSince(start);
  }
  return absl::OkStatus();
}

absl::Status DatasetWriter::WriteTable(const EntityTable& table,
                                       const std::string& name,
                                       DatasetManifest* manifest) {
  TAILOR_ASSIGN_OR_RETURN(
      std::unique_ptr<WritableFile> file,
      options_.fs->NewWritableFile(JoinPath(staging_dir_, name)));
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
  for (uint32_t ordinal : table.SortedOrder()) {
    table.AppendTsvLine(ordinal, &buffer);
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
