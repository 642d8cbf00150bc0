// A corrupt, truncated or hand-edited file is rejected with a clear message
// naming the file and the problem, never loaded: every file of a ranker
// model version (truncated, one byte flipped, edited with the manifest's
// checksums recomputed so that only the file's own checks stand), and hand
// edits of the labels and experiments configs, and every file of an
// ingested dataset directory (truncated, one byte flipped, a hand-edited
// manifest).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/model/model_version.h"
#include "gtest/gtest.h"
#include "ranker/engine/experiments_config.h"
#include "ranker/engine/labels_config.h"
#include "ranker/model/model_loader.h"
#include "tests/fuzz/reseal.h"
#include "tests/fuzz/tiny_model.h"
#include "tools/ingest/ingest.h"

namespace tailor {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

Files ModelFiles() {
  auto files = TinyModelFiles();
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : Files{};
}

// Exports `files` as a version (the manifest's checksums match them).
std::string Export(FileSystem* fs, const Files& files) {
  ModelVersionContents c;
  c.algorithm = "ials";
  c.factors = 2;
  c.extra_files = files;
  auto dir = ExportModelVersion(fs, "/models", "shop", c);
  EXPECT_TRUE(dir.ok()) << dir.status();
  return dir.ok() ? *dir : "";
}

absl::Status Load(FileSystem* fs, const std::string& dir) {
  return ranker::HybridModelLoader(fs)(dir).status();
}

TEST(HostileFilesTest, TheTinyModelLoads) {
  auto fs = NewInMemoryFileSystem();
  EXPECT_TRUE(Load(fs.get(), Export(fs.get(), ModelFiles())).ok());
}

TEST(HostileFilesTest, TruncatedFilesAreRejectedNamingTheFile) {
  for (const auto& [path, bytes] : ModelFiles()) {
    auto fs = NewInMemoryFileSystem();
    const std::string dir = Export(fs.get(), ModelFiles());
    ASSERT_TRUE(WriteStringToFile(fs.get(), JoinPath(dir, path),
                                  bytes.substr(0, bytes.size() / 2))
                    .ok());
    const absl::Status s = Load(fs.get(), dir);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << path << ": " << s;
    EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "size")) << s;
  }
}

TEST(HostileFilesTest, FlippedBytesAreRejectedNamingTheFile) {
  for (const auto& [path, bytes] : ModelFiles()) {
    auto fs = NewInMemoryFileSystem();
    const std::string dir = Export(fs.get(), ModelFiles());
    std::string damaged = bytes;
    damaged[damaged.size() / 2] ^= 0x10;
    ASSERT_TRUE(WriteStringToFile(fs.get(), JoinPath(dir, path), damaged).ok());
    const absl::Status s = Load(fs.get(), dir);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << path << ": " << s;
    EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "crc32c")) << s;
  }
}

TEST(HostileFilesTest, AMissingListedFileIsRejected) {
  auto fs = NewInMemoryFileSystem();
  const std::string dir = Export(fs.get(), ModelFiles());
  ASSERT_TRUE(
      fs->DeleteRecursively(JoinPath(dir, ranker::kCatalogueFile)).ok());
  const absl::Status s = Load(fs.get(), dir);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), ranker::kCatalogueFile)) << s;
}

TEST(HostileFilesTest, AHandEditedManifestIsRejected) {
  auto fs = NewInMemoryFileSystem();
  const std::string dir = Export(fs.get(), ModelFiles());
  const std::string manifest = JoinPath(dir, "manifest.json");
  auto text = ReadFileToString(fs.get(), manifest);
  ASSERT_TRUE(text.ok());
  // A trailing comma, as a hand edit might leave.
  const size_t close = text->rfind('}');
  ASSERT_TRUE(
      WriteStringToFile(fs.get(), manifest, text->substr(0, close) + ",}")
          .ok());
  const absl::Status s = Load(fs.get(), dir);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), "manifest.json")) << s;
}

// Edits that keep the manifest consistent (checksums recomputed, container
// checksums resealed) must still be caught by each file's own checks.
TEST(HostileFilesTest, ResealedEditsAreRejectedByTheFilesOwnChecks) {
  struct Edit {
    std::string path;
    std::string (*apply)(std::string);
  };
  const std::vector<Edit> edits = {
      {ranker::kCatalogueFile,
       [](std::string s) { return s.substr(0, s.find('\n') + 1) + "x\ty\n"; }},
      {ranker::kPopularityFile, [](std::string s) { return "garbage\n" + s; }},
      {ranker::kBlendFile, [](std::string) { return std::string("{\"w\": "); }},
      {ranker::kBlendFile,
       [](std::string) { return std::string(R"({"weights": "heavy"})"); }},
      {"item_factors.tft",
       [](std::string s) {
         s.resize(s.size() - 8);
         ResealContainer(&s);
         return s;
       }},
      {ranker::kUserHistoryFile,
       [](std::string s) {
         s[s.size() - 12] ^= 0x7f;
         ResealContainer(&s);
         return s;
       }},
  };
  for (const Edit& edit : edits) {
    Files files = ModelFiles();
    for (auto& [path, bytes] : files) {
      if (path == edit.path) bytes = edit.apply(bytes);
    }
    auto fs = NewInMemoryFileSystem();
    const absl::Status s = Load(fs.get(), Export(fs.get(), files));
    EXPECT_FALSE(s.ok()) << edit.path << " was loaded";
    EXPECT_TRUE(absl::StrContains(s.message(), edit.path))
        << edit.path << ": " << s;
  }
}

TEST(HostileFilesTest, HandEditedLabelsAreRejectedNamingTheLabel) {
  const char* kBad[] = {
      R"({"models": {"shop": {"stable": "3"}}})",
      R"({"models": {"shop": {"stable": 0}}})",
      R"({"models": {"shop": {"sta ble": 3}}})",
      R"({"models": {"shop": {"stable": 3.5}}})",
      R"({"models": {"shop": {"stable": 3}}, "extra": 1})",
      R"({"models": {"shop": {"stable": 3},}})",
  };
  for (const char* text : kBad) {
    auto c = ranker::LabelsConfig::Parse(text, "/etc/labels.json");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(absl::StrContains(c.status().message(), "/etc/labels.json"))
        << c.status();
  }
}

TEST(HostileFilesTest, HandEditedExperimentsAreRejectedNamingTheFile) {
  const char* kBad[] = {
      // Overlapping ranges.
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": [
          {"name": "a", "version": 1, "buckets": [[0, 6000]]},
          {"name": "b", "version": 2, "buckets": [[5000, 10000]]}]}]})",
      // Out of range, empty range.
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": [
          {"name": "a", "version": 1, "buckets": [[0, 10001]]}]}]})",
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": [
          {"name": "a", "version": 1, "buckets": [[5, 5]]}]}]})",
      // Both a version and a label; an empty salt; a misspelt key.
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": [
          {"name": "a", "version": 1, "label": "x", "buckets": [[0, 1]]}]}]})",
      R"({"experiments": [{"name": "e", "model": "m", "salt": "", "arms": [
          {"name": "a", "version": 1, "buckets": [[0, 1]]}]}]})",
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "arms": [
          {"name": "a", "verison": 1, "buckets": [[0, 1]]}]}]})",
      // Truncated.
      R"({"experiments": [{"name": "e", "model": "m", "salt": "s", "ar)",
  };
  for (const char* text : kBad) {
    auto c = ranker::ExperimentsConfig::Parse(text, "/etc/experiments.json");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(
        absl::StrContains(c.status().message(), "/etc/experiments.json"))
        << c.status();
  }
}

// A small dataset (5 users, 5 items, timestamps) ingested into /ds.
void WriteDataset(FileSystem* fs) {
  std::string csv = "user,item,ts\n";
  for (int u = 0; u < 5; ++u) {
    for (int i = 0; i <= u; ++i) {
      absl::StrAppend(&csv, "u", u, ",i", i, ",", 1700000000 + 60 * (u + i),
                      "\n");
    }
  }
  ASSERT_TRUE(WriteStringToFile(fs, "/in.csv", csv).ok());
  InteractionSource source;
  source.path = "/in.csv";
  source.user_column = "user";
  source.item_column = "item";
  source.timestamp_column = "ts";
  IngestOptions o;
  o.fs = fs;
  o.spec.interactions.push_back(source);
  o.output_dir = "/ds";
  auto result = RunIngest(o);
  ASSERT_TRUE(result.ok()) << result.status();
}

// Opens the dataset and reads every block.
absl::Status LoadDataset(FileSystem* fs) {
  auto ds = Dataset::Open(fs, "/ds");
  if (!ds.ok()) return ds.status();
  absl::Status s = (*ds)->LoadUserMajor().status();
  if (s.ok()) s = (*ds)->LoadItemMajor().status();
  return s;
}

std::vector<std::string> DatasetFiles() {
  auto fs = NewInMemoryFileSystem();
  WriteDataset(fs.get());
  auto ds = Dataset::Open(fs.get(), "/ds");
  EXPECT_TRUE(ds.ok()) << ds.status();
  std::vector<std::string> paths;
  if (ds.ok()) {
    for (const DatasetFile& f : (*ds)->manifest().files) {
      paths.push_back(f.path);
    }
  }
  return paths;
}

TEST(HostileFilesTest, TheDatasetLoads) {
  auto fs = NewInMemoryFileSystem();
  WriteDataset(fs.get());
  EXPECT_TRUE(LoadDataset(fs.get()).ok());
  EXPECT_GE(DatasetFiles().size(), 4u);
}

TEST(HostileFilesTest, DamagedDatasetFilesAreRejectedNamingTheFile) {
  for (const std::string& path : DatasetFiles()) {
    for (const bool truncate : {true, false}) {
      auto fs = NewInMemoryFileSystem();
      WriteDataset(fs.get());
      const std::string full = JoinPath("/ds", path);
      auto bytes = ReadFileToString(fs.get(), full);
      ASSERT_TRUE(bytes.ok()) << bytes.status();
      std::string damaged = *bytes;
      if (truncate) {
        damaged.resize(damaged.size() / 2);
      } else {
        ASSERT_FALSE(damaged.empty()) << path;
        damaged[damaged.size() / 2] ^= 0x04;
      }
      ASSERT_TRUE(WriteStringToFile(fs.get(), full, damaged).ok());
      const absl::Status s = LoadDataset(fs.get());
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss)
          << path << (truncate ? " truncated: " : " flipped: ") << s;
      EXPECT_TRUE(absl::StrContains(s.message(), path)) << s;
    }
  }
}

TEST(HostileFilesTest, AHandEditedDatasetManifestIsRejected) {
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"\"crc32c\": ", "\"crc32c\": 1"},  // a checksum changed by hand
      {"\"format_version\": ", "\"format_version\": 9"},
      {"{", "{,"},  // not JSON
  };
  for (const auto& [find, replace] : edits) {
    auto fs = NewInMemoryFileSystem();
    WriteDataset(fs.get());
    auto text = ReadFileToString(fs.get(), "/ds/manifest.json");
    ASSERT_TRUE(text.ok()) << text.status();
    std::string edited = *text;
    const size_t at = edited.find(find);
    ASSERT_NE(at, std::string::npos) << find;
    edited.replace(at, find.size(), replace);
    ASSERT_TRUE(WriteStringToFile(fs.get(), "/ds/manifest.json", edited).ok());
    const absl::Status s = LoadDataset(fs.get());
    EXPECT_FALSE(s.ok()) << replace << " was loaded";
    EXPECT_TRUE(absl::StrContains(s.message(), "manifest.json") ||
                absl::StrContains(s.message(), "/ds"))
        << replace << ": " << s;
  }
}

}  // namespace
}  // namespace tailor
