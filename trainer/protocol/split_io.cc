#include "trainer/protocol/split_io.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/format/sparse_block.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace tailor {
namespace {

constexpr const char* kParts[] = {"train", "test", "negatives", "fold_in"};

CsrMatrix* PartOf(EvalFold& fold, int part) {
  switch (part) {
    case 0:
      return &fold.train;
    case 1:
      return &fold.test;
    case 2:
      return &fold.negatives;
    default:
      return &fold.fold_in;
  }
}

std::string FoldDir(int f) { return absl::StrCat("fold-", f); }

absl::Status Corrupt(const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(path, ": ", what));
}

}  // namespace

absl::Status WriteProtocolSplit(FileSystem* fs, const std::string& dir,
                                const ProtocolSplit& split,
                                const SplitSource& source) {
  if (fs->Exists(dir)) {
    return absl::AlreadyExistsError(
        absl::StrCat(dir, ": already exists; choose a new --output"));
  }
  const std::string tmp = dir + ".tmp-split";
  if (fs->Exists(tmp)) TAILOR_RETURN_IF_ERROR(fs->DeleteRecursively(tmp));
  const ProtocolOptions& o = split.options;
  nlohmann::json json = {
      {"format_version", kSplitFormatVersion},
      {"protocol", ProtocolName(o.protocol)},
      {"seed", o.seed},
      {"options",
       {{"folds", o.folds},
        {"train_ratio", o.train_ratio},
        {"k", o.k},
        {"negatives", o.negatives},
        {"loo_random", o.loo_random},
        {"heldout_users", o.heldout_users},
        {"test_fraction", o.test_fraction},
        {"cutoff", o.cutoff}}},
      {"dataset", source.dataset_dir},
      {"dataset_fingerprint", source.dataset_fingerprint},
      {"users", split.folds.empty() ? 0 : split.folds[0].train.rows},
      {"items", split.folds.empty() ? 0 : split.folds[0].train.cols},
      {"users_skipped", split.users_skipped},
      {"dropped_entries", split.dropped_entries},
      {"folds", nlohmann::json::array()}};
  for (size_t f = 0; f < split.folds.size(); ++f) {
    EvalFold fold = split.folds[f];
    const std::string fold_dir = JoinPath(tmp, FoldDir(static_cast<int>(f)));
    TAILOR_RETURN_IF_ERROR(fs->CreateDirs(fold_dir));
    nlohmann::json entry = nlohmann::json::object();
    for (int part = 0; part < 4; ++part) {
      const CsrMatrix& m = *PartOf(fold, part);
      entry[absl::StrCat(kParts[part], "_entries")] = m.nnz();
      if (part >= 2 && m.nnz() == 0) continue;
      SparseBlock block;
      block.matrix = m;
      if (part == 0) block.timestamps = fold.train_timestamps;
      TAILOR_RETURN_IF_ERROR(WriteSparseBlock(
          fs, JoinPath(fold_dir, absl::StrCat(kParts[part], ".tsb")), block));
    }
    json["folds"].push_back(entry);
  }
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, JoinPath(tmp, "split.json"), json.dump(2) + "\n"));
  return fs->Rename(tmp, dir);
}

absl::StatusOr<LoadedSplit> ReadProtocolSplit(FileSystem* fs,
                                              const std::string& dir) {
  const std::string path = JoinPath(dir, "split.json");
  TAILOR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(fs, path));
  nlohmann::json json =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Corrupt(path, "not a JSON object");
  }
  LoadedSplit out;
  ProtocolOptions& o = out.split.options;
  try {
    if (json.at("format_version").get<int>() != kSplitFormatVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": format_version ", json["format_version"].dump(),
                       " is not ", kSplitFormatVersion));
    }
    TAILOR_ASSIGN_OR_RETURN(
        o.protocol, ParseProtocol(json.at("protocol").get<std::string>()));
    o.seed = json.at("seed").get<uint64_t>();
    const nlohmann::json& opt = json.at("options");
    o.folds = opt.at("folds").get<int>();
    o.train_ratio = opt.at("train_ratio").get<double>();
    o.k = opt.at("k").get<int>();
    o.negatives = opt.at("negatives").get<int>();
    o.loo_random = opt.at("loo_random").get<bool>();
    o.heldout_users = opt.at("heldout_users").get<int64_t>();
    o.test_fraction = opt.at("test_fraction").get<double>();
    o.cutoff = opt.at("cutoff").get<int64_t>();
    out.source.dataset_dir = json.at("dataset").get<std::string>();
    out.source.dataset_fingerprint =
        json.at("dataset_fingerprint").get<std::string>();
    out.split.users_skipped = json.at("users_skipped").get<int64_t>();
    out.split.dropped_entries = json.at("dropped_entries").get<int64_t>();
    const int64_t users = json.at("users").get<int64_t>();
    const int64_t items = json.at("items").get<int64_t>();
    const nlohmann::json& folds = json.at("folds");
    if (!folds.is_array() || folds.empty()) {
      return Corrupt(path, "'folds' is not a non-empty array");
    }
    for (size_t f = 0; f < folds.size(); ++f) {
      EvalFold fold;
      const std::string fold_dir = JoinPath(dir, FoldDir(static_cast<int>(f)));
      for (int part = 0; part < 4; ++part) {
        const int64_t entries =
            folds[f].at(absl::StrCat(kParts[part], "_entries")).get<int64_t>();
        CsrMatrix& m = *PartOf(fold, part);
        const std::string file =
            JoinPath(fold_dir, absl::StrCat(kParts[part], ".tsb"));
        if (part >= 2 && entries == 0) {
          m.rows = users;
          m.cols = items;
          m.indptr.assign(users + 1, 0);
          continue;
        }
        TAILOR_ASSIGN_OR_RETURN(SparseBlock block, ReadSparseBlock(fs, file));
        if (block.matrix.rows != users || block.matrix.cols != items ||
            block.matrix.nnz() != entries) {
          return Corrupt(
              file,
              absl::StrCat("holds ", block.matrix.rows, "x", block.matrix.cols,
                           " with ", block.matrix.nnz(),
                           " entries; split.json "
                           "says ",
                           users, "x", items, " with ", entries));
        }
        TAILOR_RETURN_IF_ERROR(ValidateCsr(block.matrix));
        m = std::move(block.matrix);
        if (part == 0) fold.train_timestamps = std::move(block.timestamps);
      }
      out.split.folds.push_back(std::move(fold));
    }
  } catch (const nlohmann::json::exception& e) {
    return Corrupt(path, absl::StrCat("missing or mistyped field: ", e.what()));
  }
  TAILOR_RETURN_IF_ERROR(ValidateProtocolOptions(o));
  return out;
}

}  // namespace tailor
