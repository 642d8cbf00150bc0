#include "tests/fuzz/tiny_model.h"

#include <memory>

#include "core/artifacts/segment_io.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "ranker/model/blend_weights.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/model_loader.h"
#include "ranker/model/popularity.h"
#include "ranker/model/test_model.h"

namespace tailor {
namespace {

// Bytes of a file written by `write` to a scratch in-memory file system.
template <typename WriteFn>
absl::StatusOr<std::string> Written(WriteFn&& write) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  TAILOR_RETURN_IF_ERROR(write(fs.get(), "/f"));
  return ReadFileToString(fs.get(), "/f");
}

absl::StatusOr<std::string> TableBytes(const FactorTable& table) {
  return Written([&](FileSystem* fs, const std::string& path) {
    return WriteFactorTable(fs, path, table);
  });
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
TinyModelFiles() {
  using namespace ranker;  // NOLINT: the file names and writers
  const HybridModelData d = MakeTestModelData();
  FactorTable items(7, 2);  // item 7 has no factors
  for (int i = 0; i < 7; ++i) {
    items.keys()[i] = d.catalogue.keys[i];
    items.Row(i)[0] = d.item_factors[i * 2];
    items.Row(i)[1] = d.item_factors[i * 2 + 1];
  }
  std::vector<std::pair<std::string, std::string>> files;
  TAILOR_ASSIGN_OR_RETURN(std::string item_bytes, TableBytes(items));
  files.push_back({"item_factors.tft", item_bytes});
  TAILOR_ASSIGN_OR_RETURN(std::string user_bytes, TableBytes(d.user_factors));
  files.push_back({"user_factors.tft", user_bytes});
  files.push_back({kCatalogueFile, CatalogueToTsv(d.catalogue)});
  files.push_back(
      {kPopularityFile, PopularityToTsv(d.popularity, d.catalogue.keys)});
  files.push_back({kBlendFile, BlendToJson(d.blend).dump(2)});
  TAILOR_ASSIGN_OR_RETURN(std::string history,
                          Written([&](FileSystem* fs, const std::string& path) {
                            return WriteSparseVectors(
                                fs, path, d.user_history_keys, d.user_history);
                          }));
  files.push_back({kUserHistoryFile, history});
  TAILOR_ASSIGN_OR_RETURN(std::string vectors,
                          Written([&](FileSystem* fs, const std::string& path) {
                            return WriteSparseVectors(
                                fs, path, d.catalogue.keys, d.item_vectors);
                          }));
  files.push_back({kItemVectorsFile, vectors});
  TAILOR_ASSIGN_OR_RETURN(std::string segments,
                          Written([&](FileSystem* fs, const std::string& path) {
                            return WriteSegmentAssignments(fs, path,
                                                           d.segments);
                          }));
  files.push_back({kSegmentAssignmentsFile, segments});
  TAILOR_ASSIGN_OR_RETURN(std::string affinity,
                          Written([&](FileSystem* fs, const std::string& path) {
                            return WriteItemAffinity(fs, path, d.affinity,
                                                     d.catalogue.keys);
                          }));
  files.push_back({kSegmentAffinityFile, affinity});
  return files;
}

absl::StatusOr<std::string> WriteTinyModelVersion(
    FileSystem* fs, const std::string& model_base,
    const std::string& model_name) {
  TAILOR_ASSIGN_OR_RETURN(auto files, TinyModelFiles());
  ModelVersionContents c;
  c.algorithm = "ials";
  c.factors = 2;
  c.hyperparameters = {{"job_spec", "algorithm: \"ials\" regularization: 0.5"}};
  c.extra_files = std::move(files);
  return ExportModelVersion(fs, model_base, model_name, c);
}

}  // namespace tailor
