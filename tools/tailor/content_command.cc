#include "tools/tailor/content_command.h"

#include <algorithm>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/profile_command.h"
#include "trainer/knn/similarity_table_io.h"
#include "trainer/marketing/content.h"
#include "trainer/marketing/content_io.h"
#include "trainer/marketing/csv_util.h"

ABSL_FLAG(std::string, content_text_attributes, "",
          "Comma-separated item attributes tokenized as text; empty = title, "
          "name, description, text, summary when present.");
ABSL_FLAG(std::string, content_category_attributes, "",
          "Comma-separated item attributes used as 'attribute=value' terms; "
          "empty = genres, genre, category, categories, brand when present; "
          "'none' for none.");
ABSL_FLAG(int64_t, content_min_df, 2, "Minimum document frequency of a term.");
ABSL_FLAG(double, content_max_df, 1.0,
          "Maximum document frequency as a fraction of items.");
ABSL_FLAG(std::string, content_stop_words, "english",
          "Stop words: 'english' (docs/marketing.md) or 'none'.");
ABSL_FLAG(bool, content_sublinear_tf, false, "Use 1 + ln(tf).");
ABSL_FLAG(int32_t, content_neighbors, 10, "Nearest items kept per item.");

namespace tailor {
namespace {

std::vector<std::string> List(const std::string& flag) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(flag, ',', absl::SkipEmpty())) {
    out.emplace_back(s);
  }
  return out;
}

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  const std::string dataset_dir = absl::GetFlag(FLAGS_dataset);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (dataset_dir.empty())
    return absl::InvalidArgumentError("--dataset is required");
  if (output.empty()) return absl::InvalidArgumentError("--output is required");
  ApplyThreadsFlag();
  const absl::Time start = absl::Now();
  ContentOptions options;
  options.text_attributes = List(absl::GetFlag(FLAGS_content_text_attributes));
  const std::string cats = absl::GetFlag(FLAGS_content_category_attributes);
  options.category_attributes = List(cats);
  options.tfidf.min_df = absl::GetFlag(FLAGS_content_min_df);
  options.tfidf.max_df = absl::GetFlag(FLAGS_content_max_df);
  options.tfidf.sublinear_tf = absl::GetFlag(FLAGS_content_sublinear_tf);
  const std::string stop = absl::GetFlag(FLAGS_content_stop_words);
  if (stop == "english") {
    options.tfidf.stop_words = EnglishStopWords();
  } else if (stop != "none") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--content_stop_words=", stop, ": expected 'english' or 'none'"));
  }
  const int neighbors = absl::GetFlag(FLAGS_content_neighbors);
  if (neighbors < 0) {
    return absl::InvalidArgumentError("--content_neighbors must be >= 0");
  }
  auto opened = Dataset::Open(fs, dataset_dir);
  if (!opened.ok()) {
    return absl::Status(
        opened.status().code(),
        absl::StrCat("dataset ", dataset_dir, ": ", opened.status().message()));
  }
  const Dataset& dataset = **opened;
  const EntityColumns& items = dataset.items();
  absl::StatusOr<ItemContent> content = BuildItemContent(items, options);
  if (!content.ok()) {
    return absl::Status(content.status().code(),
                        absl::StrCat("dataset ", dataset_dir, ": ",
                                     content.status().message()));
  }
  const CsrMatrix& vectors = content->tfidf.vectors;
  if (content->text_attributes.empty() &&
      content->category_attributes.empty()) {
    std::fprintf(stderr,
                 "tailor content: items of %s have no text or category "
                 "attributes; every item vector is zero\n",
                 dataset_dir.c_str());
  }
  TAILOR_ASSIGN_OR_RETURN(SparseBlock block, dataset.LoadUserMajor());
  const CsrMatrix users = UserContentProfiles(block.matrix, vectors);
  const NeighborTable nearest = NearestItems(vectors, neighbors);
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(output));
  const std::string item_path = JoinPath(output, "item_vectors.tcv");
  const std::string user_path = JoinPath(output, "user_profiles.tcv");
  const std::string voc_path = JoinPath(output, "vocabulary.tvc");
  const std::string near_path = JoinPath(output, "nearest_items.tsm");
  const std::string csv_path = JoinPath(output, "item_terms.csv");
  TAILOR_RETURN_IF_ERROR(
      WriteSparseVectors(fs, item_path, items.keys, vectors));
  TAILOR_RETURN_IF_ERROR(
      WriteSparseVectors(fs, user_path, dataset.users().keys, users));
  TAILOR_RETURN_IF_ERROR(WriteVocabulary(fs, voc_path, content->tfidf.model));
  SimilarityTableInfo info;
  info.item_based = true;
  info.metric = SimilarityMetric::kCosine;
  info.max_neighbors = neighbors;
  TAILOR_RETURN_IF_ERROR(WriteSimilarityTable(fs, near_path, nearest, info));
  std::string csv;
  AppendCsvRow({"item_id", "top_terms", "nearest_items"}, &csv);
  const auto& terms = content->tfidf.model.terms;
  for (int64_t i = 0; i < items.size(); ++i) {
    std::vector<std::pair<float, uint32_t>> row;
    for (int64_t k = vectors.indptr[i]; k < vectors.indptr[i + 1]; ++k) {
      row.push_back({-vectors.data[k], vectors.indices[k]});
    }
    std::sort(row.begin(), row.end());
    std::string top, near;
    for (size_t k = 0; k < row.size() && k < 5; ++k) {
      absl::StrAppend(&top, k ? ";" : "", terms[row[k].second], ":",
                      absl::StrFormat("%.3f", -row[k].first));
    }
    for (int64_t k = nearest.indptr[i]; k < nearest.indptr[i + 1]; ++k) {
      absl::StrAppend(&near, k > nearest.indptr[i] ? ";" : "",
                      items.external_ids[nearest.neighbors[k]], ":",
                      absl::StrFormat("%.3f", nearest.similarities[k]));
    }
    AppendCsvRow({items.external_ids[i], top, near}, &csv);
  }
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, csv_path, csv));
  nlohmann::json out = {
      {"command", "content"},
      {"dataset", dataset_dir},
      {"output", output},
      {"items", items.size()},
      {"users", dataset.users().size()},
      {"terms", terms.size()},
      {"nonzeros", vectors.nnz()},
      {"items_without_terms", content->items_without_terms},
      {"text_attributes", content->text_attributes},
      {"category_attributes", content->category_attributes},
      {"min_df", options.tfidf.min_df},
      {"max_df", options.tfidf.max_df},
      {"stop_words", stop},
      {"neighbors", neighbors},
      {"files", {item_path, user_path, voc_path, near_path, csv_path}},
      {"seconds", absl::ToDoubleSeconds(absl::Now() - start)},
  };
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, JoinPath(output, "content.json"),
                                           out.dump(2) + "\n"));
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "%lld item vectors over %zu terms (%lld items without terms) "
        "and %lld user profiles written to %s\n",
        static_cast<long long>(items.size()), terms.size(),
        static_cast<long long>(content->items_without_terms),
        static_cast<long long>(users.rows), output.c_str());
  }
  return absl::OkStatus();
}

int RunContent() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor content: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command ContentCommand() {
  Command c;
  c.name = "content";
  c.summary =
      "TF-IDF item content vectors, user content profiles and nearest items "
      "by cosine.";
  c.flags_file = __FILE__;
  c.shared_flags = {"dataset", "output", "json", "threads"};
  c.run = &RunContent;
  return c;
}

}  // namespace tailor
