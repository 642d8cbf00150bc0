#include "core/dataset/dataset.h"

#include <algorithm>
#include <charconv>

#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/dataset/tsv.h"
#include "core/format/checksum.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

absl::Status ParseTable(absl::string_view text, const std::string& what,
                        const std::vector<std::string>& attribute_names,
                        int64_t expected_rows, EntityColumns* out) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || !lines.back().empty()) {
    return absl::DataLossError(
        absl::StrCat(what, ": does not end in a newline"));
  }
  lines.pop_back();
  if (lines.empty()) return absl::DataLossError(absl::StrCat(what, ": empty"));
  absl::StatusOr<std::vector<std::string>> header = SplitTsvLine(lines[0]);
  if (!header.ok() || header->size() < 2 || (*header)[0] != "key" ||
      (*header)[1] != "id") {
    return absl::DataLossError(
        absl::StrCat(what, ": header must start with key<TAB>id"));
  }
  out->attribute_names.assign(header->begin() + 2, header->end());
  if (out->attribute_names != attribute_names) {
    return absl::DataLossError(
        absl::StrCat(what, ": attribute columns differ from the manifest's"));
  }
  const size_t columns = header->size();
  if (static_cast<int64_t>(lines.size()) - 1 != expected_rows) {
    return absl::DataLossError(absl::StrCat(what, ": ", lines.size() - 1,
                                            " rows, the manifest says ",
                                            expected_rows));
  }
  out->keys.reserve(expected_rows);
  out->external_ids.reserve(expected_rows);
  out->attributes.reserve(expected_rows);
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::StatusOr<std::vector<std::string>> fields = SplitTsvLine(lines[i]);
    if (!fields.ok() || fields->size() != columns) {
      return absl::DataLossError(
          absl::StrCat(what, ":", i + 1, ": malformed line (expected ", columns,
                       " tab-separated fields)"));
    }
    uint64_t key = 0;
    const std::string& k = (*fields)[0];
    auto r = std::from_chars(k.data(), k.data() + k.size(), key, 16);
    if (k.size() != 16 || r.ec != std::errc() || r.ptr != k.data() + k.size()) {
      return absl::DataLossError(
          absl::StrCat(what, ":", i + 1, ": bad key \"", k, "\""));
    }
    if (!out->keys.empty() && key <= out->keys.back()) {
      return absl::DataLossError(absl::StrCat(
          what, ":", i + 1, ": keys are not in strictly ascending order"));
    }
    out->keys.push_back(key);
    out->external_ids.push_back(std::move((*fields)[1]));
    out->attributes.emplace_back(std::make_move_iterator(fields->begin() + 2),
                                 std::make_move_iterator(fields->end()));
  }
  return absl::OkStatus();
}

// Appends `part` (rows first_row..) to `all`.
void AppendBlock(SparseBlock part, SparseBlock* all) {
  CsrMatrix& m = all->matrix;
  const int64_t base = m.nnz();
  for (int64_t r = 1; r <= part.matrix.rows; ++r) {
    m.indptr.push_back(base + part.matrix.indptr[r]);
  }
  m.rows += part.matrix.rows;
  m.indices.insert(m.indices.end(), part.matrix.indices.begin(),
                   part.matrix.indices.end());
  m.data.insert(m.data.end(), part.matrix.data.begin(), part.matrix.data.end());
  all->timestamps.insert(all->timestamps.end(), part.timestamps.begin(),
                         part.timestamps.end());
  all->amounts.insert(all->amounts.end(), part.amounts.begin(),
                      part.amounts.end());
}

}  // namespace

int64_t EntityColumns::Find(uint64_t key) const {
  auto it = std::lower_bound(keys.begin(), keys.end(), key);
  if (it == keys.end() || *it != key) return -1;
  return it - keys.begin();
}

absl::StatusOr<std::unique_ptr<Dataset>> Dataset::Open(FileSystem* fs,
                                                       const std::string& dir) {
  auto ds = absl::WrapUnique(new Dataset(fs, dir));
  const std::string manifest_path = JoinPath(dir, "manifest.json");
  if (!fs->Exists(manifest_path)) {
    return absl::NotFoundError(absl::StrCat(
        dir, " is not a dataset directory: ", manifest_path, " is missing"));
  }
  TAILOR_ASSIGN_OR_RETURN(std::string json,
                          ReadFileToString(fs, manifest_path));
  TAILOR_ASSIGN_OR_RETURN(ds->manifest_, ManifestFromJson(json, manifest_path));
  const DatasetManifest& m = ds->manifest_;
  for (const DatasetFile& f : m.files) {
    const std::string path = JoinPath(dir, f.path);
    absl::StatusOr<uint64_t> size = fs->FileSize(path);
    if (!size.ok()) {
      return absl::DataLossError(
          absl::StrCat(path, ": listed in the manifest but unreadable: ",
                       size.status().message()));
    }
    if (*size != f.bytes) {
      return absl::DataLossError(absl::StrCat(
          path, ": ", *size, " bytes, the manifest says ", f.bytes));
    }
  }
  for (const auto* parts : {&m.user_major, &m.item_major}) {
    for (const DatasetPartition& p : *parts) {
      bool listed = false;
      for (const DatasetFile& f : m.files) listed |= f.path == p.path;
      if (!listed) {
        return absl::DataLossError(absl::StrCat(
            manifest_path, ": partition ", p.path, " has no checksum entry"));
      }
    }
  }
  TAILOR_ASSIGN_OR_RETURN(std::string users, ds->ReadVerified("users.tsv"));
  TAILOR_RETURN_IF_ERROR(ParseTable(users, JoinPath(dir, "users.tsv"),
                                    m.user_attributes, m.users, &ds->users_));
  TAILOR_ASSIGN_OR_RETURN(std::string items, ds->ReadVerified("items.tsv"));
  TAILOR_RETURN_IF_ERROR(ParseTable(items, JoinPath(dir, "items.tsv"),
                                    m.item_attributes, m.items, &ds->items_));
  return ds;
}

absl::StatusOr<std::string> Dataset::ReadVerified(
    const std::string& relative) const {
  const DatasetFile* entry = nullptr;
  for (const DatasetFile& f : manifest_.files) {
    if (f.path == relative) entry = &f;
  }
  const std::string path = JoinPath(dir_, relative);
  if (entry == nullptr) {
    return absl::DataLossError(
        absl::StrCat(path, ": not listed in the manifest's files"));
  }
  TAILOR_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(fs_, path));
  const uint32_t crc = Crc32c(bytes);
  if (bytes.size() != entry->bytes || crc != entry->crc32c) {
    return absl::DataLossError(absl::StrFormat(
        "%s: checksum mismatch (%d bytes, crc32c %u; the manifest says %d "
        "bytes, crc32c %u)",
        path, bytes.size(), crc, entry->bytes, entry->crc32c));
  }
  return bytes;
}

absl::StatusOr<SparseBlock> Dataset::LoadPartition(BlockOrientation orientation,
                                                   size_t index) const {
  const auto& parts = orientation == BlockOrientation::kUserMajor
                          ? manifest_.user_major
                          : manifest_.item_major;
  if (index >= parts.size()) {
    return absl::OutOfRangeError(absl::StrCat(
        dir_, ": partition ", index, " of ", parts.size(), " requested"));
  }
  const DatasetPartition& part = parts[index];
  TAILOR_RETURN_IF_ERROR(ReadVerified(part.path).status());
  const std::string path = JoinPath(dir_, part.path);
  TAILOR_ASSIGN_OR_RETURN(SparseBlock block, ReadSparseBlock(fs_, path));
  const int64_t cols = orientation == BlockOrientation::kUserMajor
                           ? manifest_.items
                           : manifest_.users;
  if (block.orientation != orientation || block.first_row != part.first_row ||
      static_cast<uint64_t>(block.matrix.rows) != part.rows ||
      static_cast<uint64_t>(block.matrix.nnz()) != part.entries ||
      block.matrix.cols != cols) {
    return absl::DataLossError(
        absl::StrCat(path, ": block shape differs from the manifest's"));
  }
  if (manifest_.has_timestamps != !block.timestamps.empty() &&
      block.matrix.nnz() > 0) {
    return absl::DataLossError(absl::StrCat(
        path, ": timestamps present/absent unlike the manifest says"));
  }
  return block;
}

absl::StatusOr<SparseBlock> Dataset::LoadAll(
    BlockOrientation orientation) const {
  const auto& parts = orientation == BlockOrientation::kUserMajor
                          ? manifest_.user_major
                          : manifest_.item_major;
  SparseBlock all;
  all.orientation = orientation;
  all.matrix.cols = orientation == BlockOrientation::kUserMajor
                        ? manifest_.items
                        : manifest_.users;
  uint64_t next_row = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    TAILOR_ASSIGN_OR_RETURN(SparseBlock part, LoadPartition(orientation, i));
    if (part.first_row != next_row) {
      return absl::DataLossError(absl::StrCat(
          JoinPath(dir_, parts[i].path), ": partitions are not contiguous"));
    }
    next_row += part.matrix.rows;
    AppendBlock(std::move(part), &all);
  }
  const int64_t rows = orientation == BlockOrientation::kUserMajor
                           ? manifest_.users
                           : manifest_.items;
  if (all.matrix.rows != rows) {
    return absl::DataLossError(absl::StrCat(dir_, ": partitions cover ",
                                            all.matrix.rows, " rows, expected ",
                                            rows));
  }
  return all;
}

absl::StatusOr<SparseBlock> Dataset::LoadUserMajor() const {
  return LoadAll(BlockOrientation::kUserMajor);
}

absl::StatusOr<SparseBlock> Dataset::LoadItemMajor() const {
  return LoadAll(BlockOrientation::kItemMajor);
}

absl::Status Dataset::VerifyAllChecksums() const {
  for (const DatasetFile& f : manifest_.files) {
    TAILOR_RETURN_IF_ERROR(ReadVerified(f.path).status());
  }
  return absl::OkStatus();
}

}  // namespace tailor
