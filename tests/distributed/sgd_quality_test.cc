// Distributed biased_mf (DSGD strata over 2 tailor_ps shards and 2
// tailor_worker processes) reaches the single-process SgdTrainer's held-out
// RMSE within 1% on MovieLens 100K (from --data_dir when present, else a
// synthetic ratings log), on the same stratified split and hyper-parameters.

#include <cmath>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/distributed/local_cluster.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/local/recommender.h"
#include "trainer/local/train_loop.h"

ABSL_FLAG(
    std::string, data_dir, "/work/shared/data",
    "Directory holding movielens-100k/u.data[.gz] (synthetic ratings when "
    "absent).");

namespace tailor::testing_dist {
namespace {

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/", name);
  PosixFileSystem()->DeleteRecursively(dir).IgnoreError();
  EXPECT_TRUE(PosixFileSystem()->CreateDirs(dir).ok());
  return dir;
}

TEST(SgdQualityTest, BiasedMfMatchesSingleProcessHeldOutRmse) {
  const std::string dir = TempDir("sgd_quality");
  const std::string data = dir + "/data";
  std::string u_data = absl::GetFlag(FLAGS_data_dir) + "/movielens-100k/u.data";
  if (!PosixFileSystem()->Exists(u_data)) u_data += ".gz";
  const bool real = PosixFileSystem()->Exists(u_data);
  if (real) {
    ASSERT_TRUE(WriteMovieLens100k(u_data, data).ok());
  } else {
    ASSERT_TRUE(WriteSyntheticRatings(data, 600, 300, 40, 5).ok());
  }
  std::fprintf(stderr, "data: %s\n", real ? u_data.c_str() : "synthetic");
  const std::string spec_text = absl::StrCat(
      "dataset_dir: \"", data,
      "\"\nalgorithm: \"biased_mf\"\nfactors: 50\niterations: 20\n"
      "learning_rate: 0.005\nregularization: 0.02\nseed: 42\nthreads: 2\n"
      "evaluation { protocol: EVAL_PROTOCOL_STRATIFIED_RANDOM metric: "
      "\"rmse\" every_iterations: 5 }\n");
  ClusterOptions options;
  options.dir = dir;
  options.job_spec_text = spec_text;
  LocalCluster cluster(options);
  ASSERT_TRUE(cluster.Start().ok());
  absl::StatusOr<int> code = cluster.WaitForJob(absl::Minutes(6));
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_EQ(*code, 0) << cluster.CoordinatorStderr();
  nlohmann::json done =
      nlohmann::json::parse(LastDoneLine(cluster.CoordinatorStdout()));
  ASSERT_TRUE(done["done"].get<bool>()) << done.dump();
  const double distributed_rmse = done["metrics"]["rmse"].get<double>();

  tailor::v1::JobSpec spec;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(spec_text, &spec));
  absl::StatusOr<distributed::DistributedJob> job =
      distributed::ValidateDistributedJob(spec, 2);
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<distributed::TrainingData> split =
      distributed::LoadTrainingData(PosixFileSystem(), *job, false);
  ASSERT_TRUE(split.ok()) << split.status();
  absl::StatusOr<std::unique_ptr<Recommender>> model =
      CreateRecommender(job->spec, split->train, {});
  ASSERT_TRUE(model.ok()) << model.status();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*model)->Iterate().ok());
  absl::StatusOr<std::map<std::string, double>> metrics =
      EvaluateHoldout(**model, split->train, split->test, true, 10);
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const double single_rmse = metrics->at("rmse");
  std::fprintf(stderr, "held-out rmse: distributed %.5f single-process %.5f\n",
               distributed_rmse, single_rmse);
  EXPECT_LT(std::fabs(distributed_rmse - single_rmse), 0.01 * single_rmse);
  EXPECT_LT(distributed_rmse, 1.2);  // learned something (ratings 1..5)
}

}  // namespace
}  // namespace tailor::testing_dist

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  absl::ParseCommandLine(argc, argv);
  return RUN_ALL_TESTS();
}
