// Fuzz target: a model version directory as the ranker loads it
// (ranker/model/model_loader.h, docs/ranker_model.md): catalogue.tsv,
// popularity.tsv, blend.json, history, content vectors, segments, user and
// item factors. A model that loads is then asked to rank a few requests, so
// parts that pass their own checks but do not fit together are caught at
// serving time too.
//
// Input layout: parts, each a line "@@ <path>" followed by the file's bytes
// up to the next "\n@@ " (or the end). <path> is one of the files the
// loader reads, or "job_spec" (the manifest's hyperparameters.job_spec,
// read for the default blend). The version is exported with
// ExportModelVersion, so the manifest's sizes and CRC-32C match and the
// mutations reach the file readers; it is loaded twice: with the parts as
// given, and with every container part resealed (tests/fuzz/reseal.h), so
// mutations also reach the checks behind the containers' own checksums.

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/file_system.h"
#include "core/model/model_version.h"
#include "ranker/model/model_loader.h"
#include "tailor/v1/ranker.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/reseal.h"

namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;

constexpr absl::string_view kMarker = "@@ ";

const std::set<std::string>& KnownFiles() {
  static const auto* files = new std::set<std::string>{
      "item_factors.tft",
      "user_factors.tft",
      tailor::ranker::kCatalogueFile,
      tailor::ranker::kPopularityFile,
      tailor::ranker::kBlendFile,
      tailor::ranker::kUserHistoryFile,
      tailor::ranker::kItemVectorsFile,
      tailor::ranker::kUserProfilesFile,
      tailor::ranker::kSegmentAssignmentsFile,
      tailor::ranker::kSegmentAffinityFile,
      "job_spec",
  };
  return *files;
}

// Splits the input into (path, bytes) parts; unknown paths are dropped.
Parts Split(absl::string_view input) {
  Parts parts;
  if (!absl::StartsWith(input, kMarker)) return parts;
  size_t at = 0;
  while (at < input.size()) {
    const size_t name_begin = at + kMarker.size();
    const size_t name_end = input.find('\n', name_begin);
    if (name_end == absl::string_view::npos) break;
    const size_t next = input.find("\n@@ ", name_end);
    const size_t body_end =
        next == absl::string_view::npos ? input.size() : next;
    std::string name(input.substr(name_begin, name_end - name_begin));
    std::string body(input.substr(name_end + 1, body_end - name_end - 1));
    if (KnownFiles().count(name) > 0) parts.push_back({name, body});
    if (next == absl::string_view::npos) break;
    at = next + 1;
  }
  return parts;
}

bool IsContainer(const std::string& path) {
  return absl::EndsWith(path, ".tft") || absl::EndsWith(path, ".tcv") ||
         absl::EndsWith(path, ".tsa") || absl::EndsWith(path, ".tia");
}

std::vector<tailor::v1::RankRequest> Requests() {
  std::vector<tailor::v1::RankRequest> requests(5);
  for (auto& r : requests) {
    r.set_model_name("shop");
    r.set_count(5);
  }
  requests[0].set_user_key(100);
  requests[1].set_user_key(200);
  requests[1].set_explain(true);
  requests[1].set_diversity(0.5f);
  requests[1].mutable_context()->set_country("GB");
  auto* recent = requests[2].add_recent_interactions();
  recent->set_item_id("i0");
  requests[2].mutable_filters()->add_include_categories("red");
  requests[3].mutable_context()->set_country("GB");
  requests[3].add_candidate_item_ids("i1");
  requests[3].add_candidate_item_ids("i5");
  requests[4].set_user_key(12345);  // unknown user, no recent activity
  requests[4].set_count(1000);
  return requests;
}

void LoadAndRank(tailor::FileSystem* fs, const Parts& parts) {
  (void)fs->DeleteRecursively("/models");
  tailor::ModelVersionContents contents;
  contents.algorithm = "ials";
  contents.factors = 2;
  for (const auto& [path, bytes] : parts) {
    if (path == "job_spec") {
      contents.hyperparameters["job_spec"] = bytes;
    } else {
      contents.extra_files.push_back({path, bytes});
    }
  }
  auto dir = tailor::ExportModelVersion(fs, "/models", "shop", contents);
  if (!dir.ok()) return;  // e.g. the same path twice
  auto model = tailor::ranker::HybridModelLoader(fs)(*dir);
  if (!model.ok()) return;
  static const auto* requests =
      new std::vector<tailor::v1::RankRequest>(Requests());
  for (const tailor::v1::RankRequest& r : *requests) {
    (void)(*model)->Rank(r, tailor::ranker::RankCall{});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<tailor::FileSystem> fs =
      tailor::NewInMemoryFileSystem();
  Parts parts =
      Split(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (parts.empty()) return 0;
  LoadAndRank(fs.get(), parts);
  bool resealed = false;
  for (auto& [path, bytes] : parts) {
    if (!IsContainer(path)) continue;
    const std::string before = bytes;
    tailor::ResealContainer(&bytes);
    resealed = resealed || bytes != before;
  }
  if (resealed) LoadAndRank(fs.get(), parts);
  return 0;
}
