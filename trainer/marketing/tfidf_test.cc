#include "trainer/marketing/tfidf.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(TfidfTest, MatchesTheDefinitionByHand) {
  const std::vector<std::string> docs = {"red mug red", "blue mug", "the"};
  TfidfOptions options;
  options.stop_words = {"the"};
  auto r = FitTfidf(docs, {}, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model.terms, (std::vector<std::string>{"blue", "mug", "red"}));
  EXPECT_EQ(r->model.df, (std::vector<int64_t>{1, 2, 1}));
  const double idf1 = std::log(4.0 / 2.0) + 1, idf2 = std::log(4.0 / 3.0) + 1;
  // Document 0: red tf 2, mug tf 1.
  const double red = 2 * idf1, mug = idf2,
               norm = std::sqrt(red * red + mug * mug);
  ASSERT_EQ(r->vectors.RowSize(0), 2);
  EXPECT_EQ(r->vectors.indices[0], 1u);
  EXPECT_NEAR(r->vectors.data[0], mug / norm, 1e-7);
  EXPECT_NEAR(r->vectors.data[1], red / norm, 1e-7);
  EXPECT_EQ(r->vectors.RowSize(2), 0);  // only a stop word: zero row
}

TEST(TfidfTest, MinDfExtraTermsAndUnitNorm) {
  const std::vector<std::string> docs = {"alpha beta", "alpha gamma", ""};
  const std::vector<std::vector<std::string>> extra = {
      {"genres=comedy"}, {"genres=comedy"}, {"genres=drama"}};
  TfidfOptions options;
  options.min_df = 2;
  auto r = FitTfidf(docs, extra, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model.terms,
            (std::vector<std::string>{"alpha", "genres=comedy"}));
  for (int64_t d = 0; d < 2; ++d) {
    double norm = 0;
    for (int64_t k = r->vectors.indptr[d]; k < r->vectors.indptr[d + 1]; ++k)
      norm += r->vectors.data[k] * r->vectors.data[k];
    EXPECT_NEAR(norm, 1.0, 1e-6);
  }
  EXPECT_EQ(r->vectors.RowSize(2), 0);
}

TEST(TfidfTest, BadOptions) {
  TfidfOptions options;
  options.min_df = 0;
  EXPECT_FALSE(FitTfidf({}, {}, options).ok());
  options.min_df = 1;
  options.max_df = 0;
  EXPECT_FALSE(FitTfidf({}, {}, options).ok());
}

TEST(TfidfTest, EmptyVocabularyIsAllZero) {
  const std::vector<std::string> docs = {"", "a", "!!"};
  auto r = FitTfidf(docs, {}, TfidfOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vectors.cols, 0);
  EXPECT_EQ(r->vectors.nnz(), 0);
  EXPECT_EQ(r->vectors.rows, 3);
}

}  // namespace
}  // namespace tailor
