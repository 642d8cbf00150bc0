#include "trainer/knn/similarity_table_io.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

constexpr uint32_t kMetaId = 1;
constexpr uint32_t kIndptrId = 2;
constexpr uint32_t kNeighborsId = 3;
constexpr uint32_t kSimilaritiesId = 4;
constexpr int64_t kMetricCount = 5;

}  // namespace

absl::Status WriteSimilarityTable(FileSystem* fs, const std::string& path,
                                  const NeighborTable& table,
                                  const SimilarityTableInfo& info) {
  absl::Status valid = ValidateNeighborTable(table);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("writing ", path, ": ", valid.message()));
  }
  const std::vector<int64_t> meta = {table.rows, info.item_based ? 1 : 0,
                                     static_cast<int64_t>(info.metric),
                                     info.max_neighbors};
  FormatWriter writer(kSimilarityTableFileType);
  writer.AddSection<int64_t>(kMetaId, "meta", meta);
  writer.AddSection<int64_t>(kIndptrId, "indptr", table.indptr);
  writer.AddSection<uint32_t>(kNeighborsId, "neighbors", table.neighbors);
  writer.AddSection<float>(kSimilaritiesId, "similarities", table.similarities);
  return writer.WriteFile(fs, path);
}

absl::StatusOr<NeighborTable> ReadSimilarityTable(FileSystem* fs,
                                                  const std::string& path,
                                                  SimilarityTableInfo* info) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader reader,
      FormatReader::Open(buffer.view(), path, kSimilarityTableFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, reader.Array<int64_t>(kMetaId, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto indptr,
                          reader.Array<int64_t>(kIndptrId, "indptr"));
  TAILOR_ASSIGN_OR_RETURN(auto neighbors,
                          reader.Array<uint32_t>(kNeighborsId, "neighbors"));
  TAILOR_ASSIGN_OR_RETURN(auto similarities,
                          reader.Array<float>(kSimilaritiesId, "similarities"));
  if (meta.size() != 4 || meta[0] < 0 || (meta[1] != 0 && meta[1] != 1) ||
      meta[2] < 0 || meta[2] >= kMetricCount || meta[3] < 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": similarity table metadata is invalid"));
  }
  NeighborTable table;
  table.rows = meta[0];
  table.indptr.assign(indptr.begin(), indptr.end());
  table.neighbors.assign(neighbors.begin(), neighbors.end());
  table.similarities.assign(similarities.begin(), similarities.end());
  absl::Status valid = ValidateNeighborTable(table);
  if (!valid.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", valid.message()));
  }
  if (info != nullptr) {
    info->item_based = meta[1] == 1;
    info->metric = static_cast<SimilarityMetric>(meta[2]);
    info->max_neighbors = meta[3];
  }
  return table;
}

}  // namespace tailor
