#include "trainer/distributed/job_setup.h"

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor::distributed {
namespace {

using ::testing::HasSubstr;

tailor::v1::JobSpec Spec(const std::string& algorithm) {
  tailor::v1::JobSpec spec;
  spec.set_dataset_dir("/data/x");
  spec.set_algorithm(algorithm);
  return spec;
}

TEST(JobSetupTest, AppliesDefaultsAndPartitionsPerWorker) {
  absl::StatusOr<DistributedJob> job = ValidateDistributedJob(Spec("ials"), 3);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->als);
  EXPECT_EQ(job->spec.factors(), 64u);
  EXPECT_EQ(job->num_partitions, 3);
  EXPECT_FALSE(job->evaluate);
}

TEST(JobSetupTest, RejectsUnsupportedAlgorithmNamingTheField) {
  absl::StatusOr<DistributedJob> job =
      ValidateDistributedJob(Spec("item_knn"), 2);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(job.status().message(), HasSubstr("'algorithm'"));
  EXPECT_THAT(job.status().message(), HasSubstr("item_knn"));
}

TEST(JobSetupTest, RejectsZeroFactors) {
  tailor::v1::JobSpec spec = Spec("ials");
  spec.set_factors(0);
  absl::StatusOr<DistributedJob> job = ValidateDistributedJob(spec, 1);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(job.status().message(), HasSubstr("'factors'"));
}

TEST(JobSetupTest, RejectsFewerPartitionsThanWorkers) {
  tailor::v1::JobSpec spec = Spec("biased_mf");
  spec.set_partitions(2);
  absl::StatusOr<DistributedJob> job = ValidateDistributedJob(spec, 3);
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(job.status().message(), HasSubstr("'partitions'"));
}

TEST(JobSetupTest, RejectsMissingDataset) {
  tailor::v1::JobSpec spec = Spec("ials");
  spec.clear_dataset_dir();
  EXPECT_EQ(ValidateDistributedJob(spec, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JobSetupTest, RatingAlgorithmsEvaluateRmse) {
  tailor::v1::JobSpec spec = Spec("biased_mf");
  spec.mutable_evaluation()->set_protocol(
      tailor::v1::EVAL_PROTOCOL_STRATIFIED_RANDOM);
  absl::StatusOr<DistributedJob> job = ValidateDistributedJob(spec, 2);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->ratings);
  EXPECT_TRUE(job->evaluate);
  EXPECT_EQ(job->metric, "rmse");
  EXPECT_DOUBLE_EQ(job->test_fraction, 0.25);
}

TEST(JobSetupTest, TablesCarryBiasesOnlyWhenTheAlgorithmHasThem) {
  EXPECT_EQ(JobTableSpecs(*ValidateDistributedJob(Spec("ials"), 1)).size(), 2u);
  EXPECT_EQ(JobTableSpecs(*ValidateDistributedJob(Spec("biased_mf"), 1)).size(),
            4u);
  EXPECT_EQ(JobTableSpecs(*ValidateDistributedJob(Spec("bpr"), 1)).size(), 3u);
}

TEST(JobSetupTest, UserAndItemTablesUseDifferentSeeds) {
  std::vector<TableSpec> t =
      JobTableSpecs(*ValidateDistributedJob(Spec("ials"), 1));
  EXPECT_NE(t[0].init.seed, t[1].init.seed);
  EXPECT_EQ(t[0].init.kind, InitializerSpec::Kind::kNormal);
}

}  // namespace
}  // namespace tailor::distributed
