#include "parameter_server/checkpoint.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/format/checksum.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "parameter_server/ps_error.h"

namespace tailor {
namespace {

constexpr int kManifestFormatVersion = 1;
constexpr char kManifestName[] = "manifest.json";
constexpr uint32_t kMetaSection = 1, kKeysSection = 2, kValuesSection = 3,
                   kAccumulatorsSection = 4;

// Forwards to a file while computing the size and CRC-32C of what passes.
class ChecksummingFile final : public WritableFile {
 public:
  explicit ChecksummingFile(std::unique_ptr<WritableFile> file)
      : file_(std::move(file)) {}
  absl::Status Append(absl::string_view data) override {
    crc_ = Crc32c(data, crc_);
    bytes_ += data.size();
    return file_->Append(data);
  }
  absl::Status Close() override { return file_->Close(); }
  uint32_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::unique_ptr<WritableFile> file_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
};

absl::Status NotFound(const std::string& path, absl::string_view what) {
  ErrorDetail detail;
  detail.reason = v1::ERROR_REASON_CHECKPOINT_NOT_FOUND;
  detail.subject = path;
  return PsError(absl::StatusCode::kNotFound, detail,
                 absl::StrCat("checkpoint '", path, "': ", what));
}

absl::Status Damaged(const std::string& path, absl::string_view what) {
  ErrorDetail detail;
  detail.reason = v1::ERROR_REASON_CHECKSUM_MISMATCH;
  detail.subject = path;
  return PsError(absl::StatusCode::kDataLoss, detail,
                 absl::StrCat("checkpoint file '", path, "': ", what));
}

const char* KindName(InitializerSpec::Kind kind) {
  switch (kind) {
    case InitializerSpec::Kind::kZeros:
      return "zeros";
    case InitializerSpec::Kind::kNormal:
      return "normal";
    case InitializerSpec::Kind::kUniform:
      return "uniform";
  }
  return "unknown";
}

}  // namespace

std::string ShardCheckpointDir(const std::string& directory, int64_t iteration,
                               uint32_t shard_index, uint32_t num_shards) {
  return JoinPath(JoinPath(directory, absl::StrFormat("%08d", iteration)),
                  absl::StrCat("shard-", shard_index, "-of-", num_shards));
}

absl::StatusOr<CheckpointWriter> CheckpointWriter::Begin(
    FileSystem* fs, const std::string& directory,
    const ShardCheckpointInfo& info) {
  CheckpointWriter w;
  w.fs_ = fs;
  w.info_ = info;
  w.final_dir_ = ShardCheckpointDir(directory, info.iteration, info.shard_index,
                                    info.num_shards);
  const std::string parent =
      JoinPath(directory, absl::StrFormat("%08d", info.iteration));
  w.temp_dir_ = JoinPath(parent, absl::StrCat(".shard-", info.shard_index,
                                              "-of-", info.num_shards, ".tmp"));
  if (fs->Exists(w.temp_dir_)) {
    TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(w.temp_dir_));
  }
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(w.temp_dir_));
  return w;
}

absl::Status CheckpointWriter::AddTable(const TableCheckpoint& t) {
  const std::string name = absl::StrCat("table-", t.spec.name, ".tps");
  const std::string path = JoinPath(temp_dir_, name);
  const uint64_t meta[3] = {static_cast<uint64_t>(t.spec.dim), t.keys.size(),
                            t.version};
  FormatWriter writer(kPsTableFileType);
  writer.AddSection<uint64_t>(kMetaSection, "meta", absl::MakeConstSpan(meta));
  writer.AddSection<uint64_t>(kKeysSection, "keys", t.keys);
  writer.AddSection<float>(kValuesSection, "values", t.values);
  if (!t.accumulators.empty()) {
    writer.AddSection<float>(kAccumulatorsSection, "accumulators",
                             t.accumulators);
  }
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> raw,
                          fs_->NewWritableFile(path));
  ChecksummingFile file(std::move(raw));
  TAILOR_RETURN_IF_ERROR(writer.WriteTo(&file, path));
  TAILOR_RETURN_IF_ERROR(file.Close());
  files_.push_back({name, file.bytes(), file.crc()});
  rows_ += t.keys.size();
  bytes_ += file.bytes();
  nlohmann::json init = {{"kind", KindName(t.spec.init.kind)},
                         {"seed", t.spec.init.seed},
                         {"mean", t.spec.init.mean},
                         {"stddev", t.spec.init.stddev},
                         {"low", t.spec.init.low},
                         {"high", t.spec.init.high}};
  nlohmann::json entry = {{"name", t.spec.name},
                          {"dim", t.spec.dim},
                          {"rows", t.keys.size()},
                          {"version", t.version},
                          {"file", name},
                          {"init", init},
                          {"accumulators", !t.accumulators.empty()},
                          {"initial_accumulator", t.initial_accumulator}};
  table_entries_.push_back(entry.dump());
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckpointWriter::Commit() {
  nlohmann::json manifest;
  manifest["format_version"] = kManifestFormatVersion;
  manifest["kind"] = "ps_shard_checkpoint";
  manifest["shard_index"] = info_.shard_index;
  manifest["num_shards"] = info_.num_shards;
  manifest["iteration"] = info_.iteration;
  manifest["clock"] = info_.clock;
  manifest["num_workers"] = info_.num_workers;
  manifest["tables"] = nlohmann::json::array();
  for (const std::string& e : table_entries_) {
    manifest["tables"].push_back(nlohmann::json::parse(e));
  }
  manifest["files"] = nlohmann::json::array();
  for (const CheckpointedFile& f : files_) {
    manifest["files"].push_back(
        {{"path", f.path}, {"bytes", f.bytes}, {"crc32c", f.crc32c}});
  }
  const std::string text = manifest.dump(2) + "\n";
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs_, JoinPath(temp_dir_, kManifestName), text));
  bytes_ += text.size();
  // Publish: move an older copy of this iteration aside, rename, clean up.
  const std::string old_dir = temp_dir_ + ".old";
  if (fs_->Exists(old_dir)) {
    TAILOR_RETURN_IF_ERROR(fs_->DeleteRecursively(old_dir));
  }
  const bool replacing = fs_->Exists(final_dir_);
  if (replacing) TAILOR_RETURN_IF_ERROR(fs_->Rename(final_dir_, old_dir));
  TAILOR_RETURN_IF_ERROR(fs_->Rename(temp_dir_, final_dir_));
  if (replacing) TAILOR_RETURN_IF_ERROR(fs_->DeleteRecursively(old_dir));
  return final_dir_;
}

absl::StatusOr<int64_t> NewestCompleteCheckpoint(FileSystem* fs,
                                                 const std::string& directory,
                                                 uint32_t num_shards) {
  if (!fs->Exists(directory)) {
    return NotFound(directory, "directory does not exist");
  }
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          fs->ListDir(directory));
  std::vector<int64_t> iterations;
  for (const std::string& n : names) {
    int64_t it;
    if (n.size() >= 8 && std::all_of(n.begin(), n.end(), absl::ascii_isdigit) &&
        absl::SimpleAtoi(n, &it)) {
      iterations.push_back(it);
    }
  }
  std::sort(iterations.rbegin(), iterations.rend());
  for (int64_t it : iterations) {
    bool complete = true;
    for (uint32_t s = 0; s < num_shards && complete; ++s) {
      complete = fs->Exists(JoinPath(
          ShardCheckpointDir(directory, it, s, num_shards), kManifestName));
    }
    if (complete) return it;
  }
  return NotFound(directory, absl::StrCat("no complete checkpoint of ",
                                          num_shards, " shards"));
}

namespace {

absl::StatusOr<TableCheckpoint> ReadTable(FileSystem* fs,
                                          const std::string& dir,
                                          const nlohmann::json& entry,
                                          const CheckpointedFile& file) {
  const std::string path = JoinPath(dir, file.path);
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  if (buffer.size() != file.bytes) {
    return Damaged(
        path, absl::StrCat("has ", buffer.size(), " bytes, the manifest lists ",
                           file.bytes));
  }
  const uint32_t crc = Crc32c(buffer.view());
  if (crc != file.crc32c) {
    return Damaged(path, absl::StrFormat("CRC-32C mismatch (manifest 0x%08x, "
                                         "computed 0x%08x)",
                                         file.crc32c, crc));
  }
  absl::StatusOr<FormatReader> reader =
      FormatReader::Open(buffer.view(), path, kPsTableFileType);
  if (!reader.ok()) return Damaged(path, reader.status().message());
  TableCheckpoint t;
  t.spec.name = entry.at("name").get<std::string>();
  t.spec.dim = entry.at("dim").get<int>();
  const nlohmann::json& init = entry.at("init");
  const std::string kind = init.at("kind").get<std::string>();
  if (kind == "zeros") {
    t.spec.init.kind = InitializerSpec::Kind::kZeros;
  } else if (kind == "normal") {
    t.spec.init.kind = InitializerSpec::Kind::kNormal;
  } else if (kind == "uniform") {
    t.spec.init.kind = InitializerSpec::Kind::kUniform;
  } else {
    return Damaged(path, absl::StrCat("unknown initializer kind '", kind, "'"));
  }
  t.spec.init.seed = init.at("seed").get<uint64_t>();
  t.spec.init.mean = init.at("mean").get<float>();
  t.spec.init.stddev = init.at("stddev").get<float>();
  t.spec.init.low = init.at("low").get<float>();
  t.spec.init.high = init.at("high").get<float>();
  t.initial_accumulator = entry.at("initial_accumulator").get<float>();
  TAILOR_RETURN_IF_ERROR(ValidateTableSpec(t.spec));
  TAILOR_ASSIGN_OR_RETURN(auto meta,
                          reader->Array<uint64_t>(kMetaSection, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto keys,
                          reader->Array<uint64_t>(kKeysSection, "keys"));
  TAILOR_ASSIGN_OR_RETURN(auto values,
                          reader->Array<float>(kValuesSection, "values"));
  const size_t dim = t.spec.dim;
  if (meta.size() != 3 || meta[0] != dim || meta[1] != keys.size() ||
      values.size() != keys.size() * dim ||
      entry.at("rows").get<uint64_t>() != keys.size()) {
    return Damaged(path, "table shape disagrees with the manifest");
  }
  for (size_t i = 1; i < keys.size(); ++i) {
    if (!(keys[i - 1] < keys[i])) {
      return Damaged(path, absl::StrCat("keys not strictly ascending at ", i));
    }
  }
  t.version = meta[2];
  t.keys.assign(keys.begin(), keys.end());
  t.values.assign(values.begin(), values.end());
  if (entry.at("accumulators").get<bool>()) {
    TAILOR_ASSIGN_OR_RETURN(
        auto acc, reader->Array<float>(kAccumulatorsSection, "accumulators"));
    if (acc.size() != values.size()) {
      return Damaged(path, "accumulator count differs from value count");
    }
    t.accumulators.assign(acc.begin(), acc.end());
  }
  return t;
}

}  // namespace

absl::StatusOr<ShardCheckpointContents> ReadShardCheckpoint(
    FileSystem* fs, const std::string& directory, int64_t iteration,
    uint32_t shard_index, uint32_t num_shards) {
  const std::string dir =
      ShardCheckpointDir(directory, iteration, shard_index, num_shards);
  const std::string manifest_path = JoinPath(dir, kManifestName);
  if (!fs->Exists(manifest_path)) {
    return NotFound(dir, "no manifest.json (missing or incomplete)");
  }
  TAILOR_ASSIGN_OR_RETURN(std::string text,
                          ReadFileToString(fs, manifest_path));
  ShardCheckpointContents out;
  try {
    const nlohmann::json m = nlohmann::json::parse(text);
    if (m.at("format_version").get<int>() != kManifestFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint manifest '", manifest_path, "': format_version ",
          m.at("format_version").dump(), " (this build reads version ",
          kManifestFormatVersion, ")"));
    }
    out.info.shard_index = m.at("shard_index").get<uint32_t>();
    out.info.num_shards = m.at("num_shards").get<uint32_t>();
    out.info.iteration = m.at("iteration").get<int64_t>();
    out.info.clock = m.at("clock").get<int64_t>();
    out.info.num_workers = m.at("num_workers").get<uint32_t>();
    if (out.info.shard_index != shard_index ||
        out.info.num_shards != num_shards || out.info.iteration != iteration) {
      return Damaged(manifest_path,
                     "shard identity or iteration disagrees with its path");
    }
    std::vector<CheckpointedFile> files;
    for (const auto& f : m.at("files")) {
      files.push_back({f.at("path").get<std::string>(),
                       f.at("bytes").get<uint64_t>(),
                       f.at("crc32c").get<uint32_t>()});
    }
    for (const auto& entry : m.at("tables")) {
      const std::string file = entry.at("file").get<std::string>();
      auto it = std::find_if(files.begin(), files.end(),
                             [&](const auto& f) { return f.path == file; });
      if (it == files.end()) {
        return Damaged(manifest_path,
                       absl::StrCat("table file '", file, "' is not listed"));
      }
      TAILOR_ASSIGN_OR_RETURN(TableCheckpoint t,
                              ReadTable(fs, dir, entry, *it));
      out.tables.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    return Damaged(manifest_path,
                   absl::StrCat("unreadable manifest: ", e.what()));
  }
  return out;
}

}  // namespace tailor
