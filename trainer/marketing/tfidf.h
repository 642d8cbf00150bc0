#ifndef TAILOR_TRAINER_MARKETING_TFIDF_H_
#define TAILOR_TRAINER_MARKETING_TFIDF_H_

// TF-IDF document vectors (the definition of scikit-learn's TfidfVectorizer
// with norm='l2'): tf = raw count of the term in the document (1 + ln(tf)
// with sublinear_tf), idf = ln((1 + n) / (1 + df)) + 1 with smooth_idf
// (ln(n / df) + 1 without), value = tf * idf, rows scaled to unit L2 norm
// (all-zero rows stay zero). Terms are the tokens of tokenizer.h minus stop
// words, plus each document's extra terms (categorical tokens, taken as
// they are); terms with df < min_df or df > max_df * n are dropped. The
// vocabulary is sorted by UTF-8 bytes (= code point order). Stateless;
// thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/csr_matrix.h"
#include "trainer/marketing/tokenizer.h"

namespace tailor {

struct TfidfOptions {
  TokenizerOptions tokenizer;
  std::vector<std::string> stop_words;  // lowercase; see EnglishStopWords()
  int64_t min_df = 1;                   // documents
  double max_df = 1.0;                  // fraction of documents
  bool smooth_idf = true;
  bool sublinear_tf = false;
  bool l2_normalize = true;
};

struct TfidfModel {
  int64_t documents = 0;
  std::vector<std::string> terms;  // ascending
  std::vector<int64_t> df;
  std::vector<double> idf;
};

struct TfidfResult {
  TfidfModel model;
  CsrMatrix vectors;  // documents x terms, ascending columns per row
};

// A small English stop-word list (function words; docs/marketing.md).
const std::vector<std::string>& EnglishStopWords();

// `extra_terms` is empty or has one list per text. INVALID_ARGUMENT for
// min_df < 1, max_df outside (0, 1], or mismatched sizes. An empty
// vocabulary is not an error (every row is zero).
absl::StatusOr<TfidfResult> FitTfidf(
    absl::Span<const std::string> texts,
    absl::Span<const std::vector<std::string>> extra_terms,
    const TfidfOptions& options);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_TFIDF_H_
