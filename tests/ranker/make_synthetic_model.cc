// make_synthetic_model: publishes a model version for serving measurements
// (docs/ranker_server.md) that exercises every part of the hybrid path:
// `--items` items and `--users` users with `--factors` factors drawn from
// N(0, 0.1^2), a catalogue (ids "item<i>", two categories, prices), content
// vectors (`--terms_per_item` TF-IDF-like terms over a `--vocabulary` of
// topic and shared terms, TF-IDF weighted, unit norm), a purchase history per
// user
// (`--history` items drawn with power-law popularity), popularity overall and
// by country (GB, DE, FR, NL, ES), `--segments` K-means segments with an
// item lift table, and the manifest with checksums; all from a fixed seed.
// Users are "user<i>" and items "item<i>" hashed with the public key
// hasher, so `tailor loadgen --loadgen_user_ids` and `--loadgen_item_ids`
// can name them. `--factors_only` writes only factors and catalogue.
//
//   make_synthetic_model --model_base=/tmp/models --model_name=synth
//       --items=100000 --users=10000 --factors=64 --version=1

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "core/artifacts/segment_io.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/key_hash.h"
#include "core/model/model_version.h"
#include "ranker/model/catalogue.h"
#include "ranker/model/model_loader.h"
#include "ranker/model/popularity.h"

ABSL_FLAG(std::string, model_base, "", "Model base directory (required).");
ABSL_FLAG(std::string, model_name, "synth", "Model name.");
ABSL_FLAG(int64_t, items, 100000, "Items.");
ABSL_FLAG(int64_t, users, 10000, "Users.");
ABSL_FLAG(int, factors, 64, "Factors per row.");
ABSL_FLAG(int64_t, version, 0, "Version (0: next free).");
ABSL_FLAG(uint64_t, seed, 1, "Random seed.");
ABSL_FLAG(int, vocabulary, 20000, "Content terms.");
ABSL_FLAG(int, terms_per_item, 12, "Content terms per item.");
ABSL_FLAG(int, history, 20, "Items in each user's history.");
ABSL_FLAG(int, segments, 8, "K-means segments.");
ABSL_FLAG(int, segment_items, 5000, "Items with a lift entry per segment.");
ABSL_FLAG(bool, factors_only, false,
          "Write only factors and catalogue (no content, history, "
          "popularity or segments).");

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

// An item row drawn with power-law popularity (row 0 the most popular after
// the fixed permutation `rank_to_row`).
int64_t PopularRow(const std::vector<int64_t>& rank_to_row,
                   std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double x = u(rng);
  const int64_t n = static_cast<int64_t>(rank_to_row.size());
  const int64_t rank =
      std::min<int64_t>(n - 1, static_cast<int64_t>(x * x * x * n));
  return rank_to_row[rank];
}

// Bytes of a file written by `write` into an in-memory file system.
absl::StatusOr<std::string> FileBytes(
    const std::function<absl::Status(FileSystem*, const std::string&)>& write) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  const std::string path = "/out/file";
  absl::Status dirs = fs->CreateDirs("/out");
  if (!dirs.ok()) return dirs;
  absl::Status written = write(fs.get(), path);
  if (!written.ok()) return written;
  return ReadFileToString(fs.get(), path);
}

// The hybrid parts (content, history, popularity, segments) as extra files.
absl::Status AddHybridFiles(
    const FactorTable& items, const FactorTable& users, std::mt19937_64& rng,
    std::vector<std::pair<std::string, std::string>>* files) {
  const int64_t n = items.rows();
  const int vocabulary = std::max(absl::GetFlag(FLAGS_vocabulary), 100);
  const int terms = std::max(absl::GetFlag(FLAGS_terms_per_item), 1);
  std::vector<int64_t> rank_to_row(n);
  for (int64_t i = 0; i < n; ++i) rank_to_row[i] = i;
  std::shuffle(rank_to_row.begin(), rank_to_row.end(), rng);

  // Content: half the terms from the item's topic (200 topics of
  // vocabulary / 400 terms each in the first half of the vocabulary), half
  // shared terms with a skewed distribution; unit norm.
  CsrMatrix vectors;
  vectors.rows = n;
  vectors.cols = vocabulary;
  const int topic_terms = std::max(vocabulary / 400, 1);
  std::uniform_real_distribution<float> weight(0.2f, 1.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<uint32_t, float>> row;
    const int topic = static_cast<int>(rng() % 200);
    for (int t = 0; t < terms; ++t) {
      uint32_t term;
      if (t % 2 == 0) {
        term = static_cast<uint32_t>(topic * topic_terms + rng() % topic_terms);
      } else {
        const double x = u(rng);
        term = static_cast<uint32_t>(vocabulary / 2 +
                                     x * x * (vocabulary - vocabulary / 2 - 1));
      }
      row.push_back({term, weight(rng)});
    }
    std::sort(row.begin(), row.end());
    std::vector<std::pair<uint32_t, float>> merged;
    for (const auto& e : row) {
      if (!merged.empty() && merged.back().first == e.first) {
        merged.back().second += e.second;
      } else {
        merged.push_back(e);
      }
    }
    double norm = 0;
    for (const auto& e : merged) norm += double{e.second} * e.second;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (const auto& e : merged) {
      vectors.indices.push_back(e.first);
      vectors.data.push_back(e.second * inv);
    }
    vectors.indptr.push_back(static_cast<int64_t>(vectors.indices.size()));
  }
  // TF-IDF: each weight times log(items / items with the term), so the
  // shared terms that many items carry weigh little, as in real text.
  std::vector<int64_t> df(vocabulary, 0);
  for (uint32_t t : vectors.indices) ++df[t];
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t e = vectors.indptr[i]; e < vectors.indptr[i + 1]; ++e) {
      vectors.data[e] *= static_cast<float>(
          std::log(static_cast<double>(n) / df[vectors.indices[e]]));
      norm += double{vectors.data[e]} * vectors.data[e];
    }
    const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0;
    for (int64_t e = vectors.indptr[i]; e < vectors.indptr[i + 1]; ++e) {
      vectors.data[e] *= inv;
    }
  }
  const std::vector<uint64_t>& item_keys = items.keys();
  absl::StatusOr<std::string> bytes =
      FileBytes([&](FileSystem* fs, const std::string& path) {
        return WriteSparseVectors(fs, path, item_keys, vectors);
      });
  if (!bytes.ok()) return bytes.status();
  files->emplace_back(ranker::kItemVectorsFile, *std::move(bytes));

  // History: power-law items per user, 1-3 events each.
  CsrMatrix history;
  history.rows = users.rows();
  history.cols = n;
  ranker::ContextPopularity pop;
  pop.item_events.assign(n, 0.0);
  const char* countries[] = {"GB", "DE", "FR", "NL", "ES"};
  std::vector<std::vector<double>> by_country(5, std::vector<double>(n, 0.0));
  const int per_user = std::max(absl::GetFlag(FLAGS_history), 0);
  for (int64_t user = 0; user < users.rows(); ++user) {
    std::vector<uint32_t> row;
    for (int h = 0; h < per_user; ++h) {
      row.push_back(static_cast<uint32_t>(PopularRow(rank_to_row, rng)));
    }
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
    const int country = static_cast<int>(user % 5);
    for (uint32_t r : row) {
      const float events = static_cast<float>(1 + rng() % 3);
      history.indices.push_back(r);
      history.data.push_back(events);
      pop.item_events[r] += events;
      by_country[country][r] += events;
    }
    history.indptr.push_back(static_cast<int64_t>(history.indices.size()));
  }
  const std::vector<uint64_t>& user_keys = users.keys();
  bytes = FileBytes([&](FileSystem* fs, const std::string& path) {
    return WriteSparseVectors(fs, path, user_keys, history);
  });
  if (!bytes.ok()) return bytes.status();
  files->emplace_back(ranker::kUserHistoryFile, *std::move(bytes));

  // Popularity overall and by country (the 1000 most frequent items each).
  for (double e : pop.item_events) {
    pop.max_item_events = std::max(pop.max_item_events, e);
  }
  for (int c = 0; c < 5; ++c) {
    ranker::ContextCounts counts;
    for (int64_t r = 0; r < n; ++r) {
      if (by_country[c][r] > 0) {
        counts.total_events += by_country[c][r];
        counts.items.push_back({r, by_country[c][r]});
      }
    }
    std::sort(counts.items.begin(), counts.items.end(),
              [](const auto& a, const auto& b) {
                return a.second != b.second ? a.second > b.second
                                            : a.first < b.first;
              });
    if (counts.items.size() > 1000) counts.items.resize(1000);
    pop.by_context["country"][countries[c]] = std::move(counts);
  }
  files->emplace_back(ranker::kPopularityFile,
                      ranker::PopularityToTsv(pop, item_keys));

  // Segments: users spread over the K-means segments; each segment has a
  // lift entry for `segment_items` popular items.
  const int segments = std::max(absl::GetFlag(FLAGS_segments), 1);
  SegmentAssignments assignments;
  assignments.user_keys = user_keys;
  for (int64_t user = 0; user < users.rows(); ++user) {
    assignments.kmeans.push_back(static_cast<int32_t>(rng() % segments));
    assignments.rfm.push_back(0);
  }
  for (int s = 0; s < segments; ++s) {
    assignments.kmeans_names.push_back(absl::StrCat("segment", s));
  }
  bytes = FileBytes([&](FileSystem* fs, const std::string& path) {
    return WriteSegmentAssignments(fs, path, assignments);
  });
  if (!bytes.ok()) return bytes.status();
  files->emplace_back(ranker::kSegmentAssignmentsFile, *std::move(bytes));
  ItemAffinity affinity;
  affinity.segments = segments;
  affinity.items = n;
  affinity.prior_events = 1.0;
  affinity.lift.rows = segments;
  affinity.lift.cols = n;
  std::lognormal_distribution<float> lift(0.0f, 0.7f);
  const int64_t touched =
      std::min<int64_t>(std::max(absl::GetFlag(FLAGS_segment_items), 0), n);
  for (int s = 0; s < segments; ++s) {
    affinity.default_lift.push_back(0.5f);
    std::vector<uint32_t> cols;
    for (int64_t t = 0; t < touched; ++t) {
      cols.push_back(static_cast<uint32_t>(PopularRow(rank_to_row, rng)));
    }
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    for (uint32_t c : cols) {
      affinity.lift.indices.push_back(c);
      affinity.lift.data.push_back(lift(rng));
    }
    affinity.lift.indptr.push_back(
        static_cast<int64_t>(affinity.lift.indices.size()));
  }
  bytes = FileBytes([&](FileSystem* fs, const std::string& path) {
    return WriteItemAffinity(fs, path, affinity, item_keys);
  });
  if (!bytes.ok()) return bytes.status();
  files->emplace_back(ranker::kSegmentAffinityFile, *std::move(bytes));
  return absl::OkStatus();
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
  if (!absl::GetFlag(FLAGS_factors_only)) {
    absl::Status added =
        AddHybridFiles(items, users, rng, &contents.extra_files);
    if (!added.ok()) {
      std::fprintf(stderr, "make_synthetic_model: %s\n",
                   added.ToString().c_str());
      return 1;
    }
  }
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
