#include "tests/cluster/test_dataset.h"

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "core/status_macros.h"

namespace tailor {

absl::Status WriteTestDataset(const std::string& dir,
                              const TestDatasetOptions& options) {
  DatasetWriterOptions writer_options;
  writer_options.fs = PosixFileSystem();
  writer_options.output_dir = dir;
  writer_options.target_partition_entries = 4096;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(writer_options));
  const KeyHasher hasher = KeyHasher::Public();
  std::mt19937_64 rng(options.seed);
  const int per_cluster = options.items / options.clusters;
  int64_t lines = 0;
  for (int u = 0; u < options.users; ++u) {
    const std::string user = absl::StrCat("u", u);
    TAILOR_ASSIGN_OR_RETURN(uint32_t user_ordinal,
                            writer->users().Intern(hasher.UserKey(user), user));
    const int cluster = u % options.clusters;
    std::set<int> seen;
    while (static_cast<int>(seen.size()) < options.interactions_per_user) {
      const bool in_cluster = std::uniform_real_distribution<double>(
                                  0, 1)(rng) < options.in_cluster_share;
      // Popularity skew inside a cluster: low offsets are drawn more often.
      const double x = std::uniform_real_distribution<double>(0, 1)(rng);
      const int offset = static_cast<int>(x * x * per_cluster);
      const int item_cluster =
          in_cluster ? cluster : static_cast<int>(rng() % options.clusters);
      const int item = item_cluster * per_cluster + offset;
      if (!seen.insert(item).second) continue;
      const std::string id = absl::StrCat("i", item);
      TAILOR_ASSIGN_OR_RETURN(uint32_t item_ordinal,
                              writer->items().Intern(hasher.ItemKey(id), id));
      const float value = item_cluster == cluster ? 5.0f
                          : (rng() % 2 == 0)      ? 1.0f
                                                  : 2.0f;
      TAILOR_RETURN_IF_ERROR(writer->Add(user_ordinal, item_ordinal, value,
                                         1700000000 + lines, 0));
      ++lines;
    }
  }
  DatasetManifest manifest;
  manifest.lines_read = lines;
  manifest.accepted = lines;
  manifest.has_timestamps = true;
  return writer->Finish(manifest).status();
}

}  // namespace tailor
