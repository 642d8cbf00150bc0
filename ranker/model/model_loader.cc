#include "ranker/model/model_loader.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/artifacts/segment_io.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "google/protobuf/text_format.h"
#include "tailor/v1/job.pb.h"

namespace tailor::ranker {
namespace {

// Re-keys the rows of `m` (keyed by `keys`) to catalogue rows; rows of
// items not in the catalogue are dropped, missing items get empty rows.
CsrMatrix RowsToCatalogue(const CsrMatrix& m, const std::vector<uint64_t>& keys,
                          const Catalogue& cat) {
  std::vector<int64_t> source(cat.size(), -1);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (int64_t r = cat.Find(keys[i]); r >= 0) source[r] = i;
  }
  CsrMatrix out;
  out.rows = cat.size();
  out.cols = m.cols;
  out.indptr = {0};
  for (int64_t r = 0; r < cat.size(); ++r) {
    if (const int64_t s = source[r]; s >= 0) {
      for (int64_t e = m.indptr[s]; e < m.indptr[s + 1]; ++e) {
        out.indices.push_back(m.indices[e]);
        out.data.push_back(m.data[e]);
      }
    }
    out.indptr.push_back(static_cast<int64_t>(out.indices.size()));
  }
  return out;
}

// Re-keys the columns of `m` (column c is item `keys[c]`) to catalogue rows.
CsrMatrix ColumnsToCatalogue(const CsrMatrix& m,
                             const std::vector<uint64_t>& keys,
                             const Catalogue& cat) {
  CsrMatrix out;
  out.rows = m.rows;
  out.cols = cat.size();
  out.indptr = {0};
  std::vector<std::pair<uint32_t, float>> row;
  for (int64_t r = 0; r < m.rows; ++r) {
    row.clear();
    for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
      const uint32_t c = m.indices[e];
      if (c >= keys.size()) continue;
      if (int64_t to = cat.Find(keys[c]); to >= 0) {
        row.push_back({static_cast<uint32_t>(to), m.data[e]});
      }
    }
    std::sort(row.begin(), row.end());
    for (const auto& [c, v] : row) {
      out.indices.push_back(c);
      out.data.push_back(v);
    }
    out.indptr.push_back(static_cast<int64_t>(out.indices.size()));
  }
  return out;
}

}  // namespace

BlendWeights DefaultBlend(const nlohmann::json& manifest) {
  BlendWeights b;
  const nlohmann::json hp =
      manifest.value("hyperparameters", nlohmann::json::object());
  if (hp.is_object() && hp.contains("job_spec") && hp["job_spec"].is_string()) {
    tailor::v1::JobSpec spec;
    if (google::protobuf::TextFormat::ParseFromString(
            hp["job_spec"].get<std::string>(), &spec)) {
      if (spec.has_regularization()) {
        b.fold_in_regularization = static_cast<float>(spec.regularization());
      }
      if (spec.has_alpha()) b.fold_in_alpha = static_cast<float>(spec.alpha());
      if (spec.has_alpha0()) {
        b.fold_in_alpha0 = static_cast<float>(spec.alpha0());
      }
    }
  }
  return b;
}

absl::StatusOr<std::unique_ptr<HybridModel>> LoadHybridModel(
    FileSystem* fs, const std::string& dir, const HybridModelOptions& options) {
  TAILOR_ASSIGN_OR_RETURN(nlohmann::json manifest, ReadModelManifest(fs, dir));
  std::set<std::string> files;
  if (manifest.contains("files") && manifest["files"].is_array()) {
    for (const auto& f : manifest["files"]) {
      if (f.contains("path") && f["path"].is_string()) {
        files.insert(f["path"].get<std::string>());
      }
    }
  }
  auto path = [&](const char* name) { return JoinPath(dir, name); };
  if (!files.count("item_factors.tft")) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir,
        ": the ranker needs item_factors.tft, which the manifest does "
        "not list"));
  }
  HybridModelData d;
  d.algorithm = manifest.value("algorithm", "");
  TAILOR_ASSIGN_OR_RETURN(FactorTable items,
                          ReadFactorTable(fs, path("item_factors.tft")));
  if (files.count("user_factors.tft")) {
    TAILOR_ASSIGN_OR_RETURN(d.user_factors,
                            ReadFactorTable(fs, path("user_factors.tft")));
  }
  if (files.count(kCatalogueFile)) {
    TAILOR_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(fs, path(kCatalogueFile)));
    TAILOR_ASSIGN_OR_RETURN(d.catalogue,
                            ParseCatalogueTsv(text, path(kCatalogueFile)));
  } else {
    // Items known only by key.
    for (uint64_t key : items.keys()) {
      d.catalogue.keys.push_back(key);
      d.catalogue.ids.push_back(absl::StrCat(absl::Hex(key, absl::kZeroPad16)));
      d.catalogue.descriptions.emplace_back();
      d.catalogue.prices.push_back(std::nanf(""));
      d.catalogue.category_indptr.push_back(0);
    }
  }
  const int64_t n = d.catalogue.size();
  d.dim = items.dim();
  d.item_factors.assign(n * d.dim, 0.0f);
  d.has_factors.assign(n, 0);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t f = items.FindRow(d.catalogue.keys[r]);
    if (f < 0) continue;
    std::copy(items.Row(f), items.Row(f) + d.dim,
              d.item_factors.data() + r * d.dim);
    d.has_factors[r] = 1;
  }
  if (files.count(kUserHistoryFile)) {
    TAILOR_ASSIGN_OR_RETURN(
        d.user_history,
        ReadSparseVectors(fs, path(kUserHistoryFile), &d.user_history_keys));
    if (d.user_history.cols != n) {
      return absl::InvalidArgumentError(
          absl::StrCat(path(kUserHistoryFile), ": ", d.user_history.cols,
                       " item columns, catalogue ", n));
    }
  }
  if (files.count(kItemVectorsFile)) {
    std::vector<uint64_t> keys;
    TAILOR_ASSIGN_OR_RETURN(
        CsrMatrix v, ReadSparseVectors(fs, path(kItemVectorsFile), &keys));
    d.item_vectors = RowsToCatalogue(v, keys, d.catalogue);
    if (files.count(kUserProfilesFile)) {
      TAILOR_ASSIGN_OR_RETURN(
          d.user_profiles,
          ReadSparseVectors(fs, path(kUserProfilesFile), &d.user_profile_keys));
      d.user_profiles.cols = d.item_vectors.cols;
    }
  }
  if (files.count(kSegmentAssignmentsFile) &&
      files.count(kSegmentAffinityFile)) {
    TAILOR_ASSIGN_OR_RETURN(
        d.segments, ReadSegmentAssignments(fs, path(kSegmentAssignmentsFile)));
    std::vector<uint64_t> keys;
    TAILOR_ASSIGN_OR_RETURN(
        d.affinity, ReadItemAffinity(fs, path(kSegmentAffinityFile), &keys));
    d.affinity.lift = ColumnsToCatalogue(d.affinity.lift, keys, d.catalogue);
    d.affinity.items = n;
  }
  if (files.count(kPopularityFile)) {
    TAILOR_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(fs, path(kPopularityFile)));
    TAILOR_ASSIGN_OR_RETURN(
        d.popularity,
        ParsePopularityTsv(text, path(kPopularityFile), d.catalogue.keys));
  } else {
    // Overall popularity from the history when there is no table.
    d.popularity.item_events.assign(n, 0);
    for (uint32_t c : d.user_history.indices) d.popularity.item_events[c] += 1;
    for (double e : d.popularity.item_events) {
      d.popularity.max_item_events = std::max(d.popularity.max_item_events, e);
    }
  }
  if (files.count(kBlendFile)) {
    TAILOR_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(fs, path(kBlendFile)));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    TAILOR_ASSIGN_OR_RETURN(d.blend, BlendFromJson(j, path(kBlendFile)));
  } else {
    d.blend = DefaultBlend(manifest);
  }
  auto model = HybridModel::Create(std::move(d), options);
  if (!model.ok()) {
    return absl::Status(model.status().code(),
                        absl::StrCat(dir, ": ", model.status().message()));
  }
  return model;
}

ServableLoader HybridModelLoader(FileSystem* fs,
                                 const HybridModelOptions& options,
                                 int load_nice) {
  return [fs, options, load_nice](const std::string& version_dir)
             -> absl::StatusOr<std::shared_ptr<const Servable>> {
    absl::StatusOr<std::unique_ptr<HybridModel>> m;
    if (load_nice > 0) {
      std::thread loader([&] {
        // Only this thread's priority changes (Linux: a thread id is a
        // PRIO_PROCESS target); a failure leaves it at normal priority.
        setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)),
                    load_nice);
        m = LoadHybridModel(fs, version_dir, options);
      });
      loader.join();
    } else {
      m = LoadHybridModel(fs, version_dir, options);
    }
    if (!m.ok()) return m.status();
    return std::shared_ptr<const Servable>(*std::move(m));
  };
}

}  // namespace tailor::ranker
