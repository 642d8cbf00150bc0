#include "trainer/protocol/strong_fold_in.h"

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/protocol/protocol_split.h"
#include "trainer/protocol/test_data.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(StrongFoldInTest, AddDisjointRowsKeepsRowsSorted) {
  CsrMatrix a{3, 4, {0, 2, 2, 2}, {0, 3}, {1, 2}};
  CsrMatrix b{3, 4, {0, 0, 1, 3}, {2, 1, 3}, {5, 6, 7}};
  const CsrMatrix c = AddDisjointRows(a, b);
  EXPECT_THAT(c.indptr, ElementsAre(0, 2, 3, 5));
  EXPECT_THAT(c.indices, ElementsAre(0, 3, 2, 1, 3));
  EXPECT_THAT(c.data, ElementsAre(1, 2, 5, 6, 7));
}

TEST(StrongFoldInTest, EmptyTestSetIsAnError) {
  CsrMatrix empty{2, 2, {0, 0, 0}, {}, {}};
  tailor::v1::JobSpec spec;
  spec.set_algorithm("ials");
  nlohmann::json details;
  EXPECT_THAT(EvaluateStrongGeneralization(spec, empty, empty, empty, details)
                  .status()
                  .message(),
              HasSubstr("no held-out user"));
}

TEST(StrongFoldInTest, IalsFoldInDescribesItself) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = Protocol::kStrong;
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolSplit s,
                              MakeProtocolSplit(data.matrix, {}, o));
  tailor::v1::JobSpec spec;
  spec.set_algorithm("ials");
  spec.set_factors(8);
  spec.set_iterations(5);
  spec.set_regularization(0.1);
  spec.set_alpha(1);
  spec.set_threads(1);
  nlohmann::json details;
  const EvalFold& f = s.folds[0];
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto metrics,
      EvaluateStrongGeneralization(spec, Binarized(f.train),
                                   Binarized(f.fold_in), f.test, details));
  EXPECT_THAT(details["fold_in"].get<std::string>(), HasSubstr("item factors"));
  // Users fold into their cluster: recall@20 among 80 items is high.
  EXPECT_GT(metrics["recall@20"], 0.5);
  EXPECT_LE(metrics["recall@20"], 1.0);
}

}  // namespace
}  // namespace tailor
