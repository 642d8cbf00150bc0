#ifndef TAILOR_RANKER_MODEL_MODEL_LOADER_H_
#define TAILOR_RANKER_MODEL_MODEL_LOADER_H_

// Loads a model version directory (docs/ranker_model.md lists the files the
// ranker reads; all but item_factors.tft are optional) into a HybridModel.
// Stateless functions.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "nlohmann/json.hpp"
#include "ranker/engine/servable.h"
#include "ranker/model/blend_weights.h"
#include "ranker/model/hybrid_model.h"

namespace tailor::ranker {

// Files of a version directory, relative to it.
inline constexpr char kCatalogueFile[] = "catalogue.tsv";
inline constexpr char kPopularityFile[] = "popularity.tsv";
inline constexpr char kBlendFile[] = "blend.json";
inline constexpr char kUserHistoryFile[] = "history/user_items.tcv";
inline constexpr char kItemVectorsFile[] = "content/item_vectors.tcv";
inline constexpr char kUserProfilesFile[] = "content/user_profiles.tcv";
inline constexpr char kSegmentAssignmentsFile[] = "segments/assignments.tsa";
inline constexpr char kSegmentAffinityFile[] =
    "segments/item_affinity_kmeans.tia";

// Reads manifest.json (every listed file's size and CRC-32C verified) and
// the files. Errors name the file and what was wrong: NOT_FOUND /
// DATA_LOSS from the manifest check, FAILED_PRECONDITION without item
// factors, INVALID_ARGUMENT when the parts do not fit together.
absl::StatusOr<std::unique_ptr<HybridModel>> LoadHybridModel(
    FileSystem* fs, const std::string& version_dir,
    const HybridModelOptions& options = {});

// A ServableLoader over LoadHybridModel (`fs` must outlive it). With
// `load_nice` > 0 each load runs on a thread of its own at that nice value
// (Linux per-thread priority), so that loading a new version takes the CPU
// left over by the serving threads instead of competing with them.
ServableLoader HybridModelLoader(FileSystem* fs,
                                 const HybridModelOptions& options = {},
                                 int load_nice = 0);

// The blend of a version without blend.json: default weights, and fold-in
// parameters from the manifest's hyperparameters (job_spec of `tailor
// train`) when present.
BlendWeights DefaultBlend(const nlohmann::json& manifest);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_MODEL_LOADER_H_
