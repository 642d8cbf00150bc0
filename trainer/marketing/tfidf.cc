#include "trainer/marketing/tfidf.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace tailor {

const std::vector<std::string>& EnglishStopWords() {
  static const auto* const kWords = new std::vector<std::string>{
      "a",       "about",  "above",  "after",   "again",  "against", "all",
      "am",      "an",     "and",    "any",     "are",    "as",      "at",
      "be",      "been",   "before", "being",   "below",  "between", "both",
      "but",     "by",     "can",    "could",   "did",    "do",      "does",
      "doing",   "down",   "during", "each",    "few",    "for",     "from",
      "further", "had",    "has",    "have",    "having", "he",      "her",
      "here",    "hers",   "him",    "his",     "how",    "i",       "if",
      "in",      "into",   "is",     "it",      "its",    "itself",  "just",
      "me",      "more",   "most",   "my",      "no",     "nor",     "not",
      "now",     "of",     "off",    "on",      "once",   "only",    "or",
      "other",   "our",    "ours",   "out",     "over",   "own",     "same",
      "she",     "should", "so",     "some",    "such",   "than",    "that",
      "the",     "their",  "theirs", "them",    "then",   "there",   "these",
      "they",    "this",   "those",  "through", "to",     "too",     "under",
      "until",   "up",     "very",   "was",     "we",     "were",    "what",
      "when",    "where",  "which",  "while",   "who",    "whom",    "why",
      "will",    "with",   "would",  "you",     "your",   "yours"};
  return *kWords;
}

absl::StatusOr<TfidfResult> FitTfidf(
    absl::Span<const std::string> texts,
    absl::Span<const std::vector<std::string>> extra_terms,
    const TfidfOptions& options) {
  if (options.min_df < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tf-idf: min_df = ", options.min_df, " must be >= 1"));
  }
  if (!(options.max_df > 0 && options.max_df <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tf-idf: max_df = ", options.max_df, " must be in (0, 1]"));
  }
  if (!extra_terms.empty() && extra_terms.size() != texts.size()) {
    return absl::InvalidArgumentError(
        "tf-idf: extra terms must be given for every document or none");
  }
  const int64_t n = static_cast<int64_t>(texts.size());
  absl::flat_hash_set<std::string> stop(options.stop_words.begin(),
                                        options.stop_words.end());
  // Pass 1: intern terms in first-seen order; per document (term, tf).
  absl::flat_hash_map<std::string, uint32_t> ids;
  std::vector<std::string> names;
  std::vector<int64_t> df;
  std::vector<int64_t> doc_begin = {0};
  std::vector<std::pair<uint32_t, uint32_t>> postings;  // (term, tf)
  std::vector<uint32_t> doc_terms;
  auto intern = [&](absl::string_view term) {
    auto it = ids.find(term);
    if (it == ids.end()) {
      it = ids.emplace(std::string(term), static_cast<uint32_t>(names.size()))
               .first;
      names.emplace_back(term);
      df.push_back(0);
    }
    doc_terms.push_back(it->second);
  };
  for (int64_t d = 0; d < n; ++d) {
    doc_terms.clear();
    ForEachToken(texts[d], options.tokenizer, [&](absl::string_view token) {
      if (stop.empty() || !stop.contains(token)) intern(token);
    });
    if (!extra_terms.empty()) {
      for (const std::string& t : extra_terms[d]) {
        if (!t.empty()) intern(t);
      }
    }
    std::sort(doc_terms.begin(), doc_terms.end());
    for (size_t k = 0; k < doc_terms.size();) {
      size_t e = k;
      while (e < doc_terms.size() && doc_terms[e] == doc_terms[k]) ++e;
      postings.push_back({doc_terms[k], static_cast<uint32_t>(e - k)});
      ++df[doc_terms[k]];
      k = e;
    }
    doc_begin.push_back(static_cast<int64_t>(postings.size()));
  }
  // Vocabulary: kept terms in byte order.
  const double max_count = options.max_df * static_cast<double>(n);
  std::vector<uint32_t> kept;
  for (uint32_t t = 0; t < names.size(); ++t) {
    if (df[t] >= options.min_df && static_cast<double>(df[t]) <= max_count) {
      kept.push_back(t);
    }
  }
  std::sort(kept.begin(), kept.end(),
            [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  std::vector<int64_t> column(names.size(), -1);
  TfidfResult out;
  TfidfModel& model = out.model;
  model.documents = n;
  for (uint32_t t : kept) {
    column[t] = static_cast<int64_t>(model.terms.size());
    model.terms.push_back(std::move(names[t]));
    model.df.push_back(df[t]);
    model.idf.push_back(
        options.smooth_idf
            ? std::log((1.0 + n) / (1.0 + df[t])) + 1.0
            : std::log(static_cast<double>(n) / static_cast<double>(df[t])) +
                  1.0);
  }
  // Pass 2: rows.
  CsrMatrix& m = out.vectors;
  m.rows = n;
  m.cols = static_cast<int64_t>(model.terms.size());
  m.indptr.assign(1, 0);
  std::vector<std::pair<uint32_t, double>> row;
  for (int64_t d = 0; d < n; ++d) {
    row.clear();
    for (int64_t k = doc_begin[d]; k < doc_begin[d + 1]; ++k) {
      const int64_t c = column[postings[k].first];
      if (c < 0) continue;
      const double tf =
          options.sublinear_tf
              ? 1.0 + std::log(static_cast<double>(postings[k].second))
              : static_cast<double>(postings[k].second);
      row.push_back({static_cast<uint32_t>(c), tf * model.idf[c]});
    }
    std::sort(row.begin(), row.end());
    double norm = 0;
    for (const auto& [c, v] : row) norm += v * v;
    norm = (options.l2_normalize && norm > 0) ? 1.0 / std::sqrt(norm) : 1.0;
    for (const auto& [c, v] : row) {
      m.indices.push_back(c);
      m.data.push_back(static_cast<float>(v * norm));
    }
    m.indptr.push_back(m.nnz());
  }
  return out;
}

}  // namespace tailor
