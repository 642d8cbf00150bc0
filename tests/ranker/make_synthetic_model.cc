// make_synthetic_model: publishes a model version with random factors for
// serving measurements (docs/ranker_server.md): `--items` items and
// `--users` users with `--factors` factors drawn from N(0, 0.1^2) with a
// fixed seed, a catalogue (ids "item<i>", two categories, prices), and the
// manifest with checksums. Users are "user<i>" and items "item<i>" hashed
// with the public key hasher, so `tailor loadgen --loadgen_user_ids` and
// `--loadgen_item_ids` can name them.
//
//   make_synthetic_model --model_base=/tmp/models --model_name=synth
//       --items=100000 --users=10000 --factors=64 --version=1

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/key_hash.h"
#include "core/model/model_version.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/model_loader.h"

ABSL_FLAG(std::string, model_base, "", "Model base directory (required).");
ABSL_FLAG(std::string, model_name, "synth", "Model name.");
ABSL_FLAG(int64_t, items, 100000, "Items.");
ABSL_FLAG(int64_t, users, 10000, "Users.");
ABSL_FLAG(int, factors, 64, "Factors per row.");
ABSL_FLAG(int64_t, version, 0, "Version (0: next free).");
ABSL_FLAG(uint64_t, seed, 1, "Random seed.");

namespace tailor {
namespace {

// Rows keyed by the hashes of "<prefix><i>", sorted by key; ids in the same
// order.
FactorTable RandomTable(int64_t rows, int dim, const std::string& prefix,
                        bool items, std::mt19937_64& rng,
                        std::vector<std::string>* ids) {
  const KeyHasher hasher = KeyHasher::Public();
  std::vector<std::pair<uint64_t, std::string>> keyed;
  keyed.reserve(rows);
  for (int64_t i = 0; i < rows; ++i) {
    std::string id = absl::StrCat(prefix, i);
    keyed.emplace_back(items ? hasher.ItemKey(id) : hasher.UserKey(id), id);
  }
  std::sort(keyed.begin(), keyed.end());
  FactorTable table(rows, dim);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  for (int64_t i = 0; i < rows; ++i) {
    table.keys()[i] = keyed[i].first;
    if (ids != nullptr) ids->push_back(keyed[i].second);
    for (int d = 0; d < dim; ++d) table.Row(i)[d] = normal(rng);
  }
  return table;
}

int Run() {
  const std::string base = absl::GetFlag(FLAGS_model_base);
  if (base.empty()) {
    std::fprintf(stderr, "make_synthetic_model: --model_base is required\n");
    return 2;
  }
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  const int dim = absl::GetFlag(FLAGS_factors);
  std::vector<std::string> item_ids;
  FactorTable items = RandomTable(absl::GetFlag(FLAGS_items), dim, "item", true,
                                  rng, &item_ids);
  FactorTable users =
      RandomTable(absl::GetFlag(FLAGS_users), dim, "user", false, rng, nullptr);
  ranker::Catalogue catalogue;
  catalogue.category_names = {"blue", "red"};
  std::uniform_real_distribution<float> price(1.0f, 100.0f);
  for (int64_t i = 0; i < items.rows(); ++i) {
    catalogue.keys.push_back(items.keys()[i]);
    catalogue.ids.push_back(item_ids[i]);
    catalogue.descriptions.push_back(absl::StrCat("synthetic ", item_ids[i]));
    catalogue.prices.push_back(price(rng));
    catalogue.categories.push_back(static_cast<uint32_t>(i % 2));
    catalogue.category_indptr.push_back(i + 1);
  }
  ModelVersionContents contents;
  contents.algorithm = "ials";
  contents.factors = dim;
  contents.dataset_fingerprint = "synthetic";
  contents.user_factors = &users;
  contents.item_factors = &items;
  contents.extra_files.emplace_back(ranker::kCatalogueFile,
                                    ranker::CatalogueToTsv(catalogue));
  absl::StatusOr<std::string> dir = ExportModelVersion(
      PosixFileSystem(), base, absl::GetFlag(FLAGS_model_name), contents,
      absl::GetFlag(FLAGS_version));
  if (!dir.ok()) {
    std::fprintf(stderr, "make_synthetic_model: %s\n",
                 dir.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", dir->c_str());
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Run();
}
