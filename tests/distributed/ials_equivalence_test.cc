// Distributed implicit ALS (2 tailor_ps shards, a tailor_coordinator and 2
// tailor_worker processes) against the single-process IalsTrainer on the
// same tiny data with the same seed: the factors agree within 1e-4 relative
// error. The single-process side starts from the shards' deterministic
// initial rows (parameter_server/initializer.h), so both start equal.

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parameter_server/initializer.h"
#include "tests/distributed/local_cluster.h"
#include "trainer/als/ials_trainer.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/local/interactions.h"

namespace tailor::testing_dist {
namespace {

using distributed::DistributedJob;
using distributed::JobTableSpecs;
using distributed::ValidateDistributedJob;

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(root != nullptr ? root : "/tmp", "/", name);
  PosixFileSystem()->DeleteRecursively(dir).IgnoreError();
  EXPECT_TRUE(PosixFileSystem()->CreateDirs(dir).ok());
  return dir;
}

// ||a - b||_F / ||b||_F over rows matched by key.
double RelativeError(const FactorTable& a, const FactorTable& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.keys(), b.keys());
  double diff = 0, norm = 0;
  for (int64_t r = 0; r < b.rows(); ++r) {
    for (int c = 0; c < b.dim(); ++c) {
      const double d = double(a.Row(r)[c]) - b.Row(r)[c];
      diff += d * d;
      norm += double(b.Row(r)[c]) * b.Row(r)[c];
    }
  }
  return std::sqrt(diff / norm);
}

FactorTable ToTable(const FactorMatrix& m, const std::vector<uint64_t>& keys) {
  FactorTable t(m.rows(), m.cols());
  for (int64_t r = 0; r < m.rows(); ++r) {
    std::copy_n(m.row(r), m.cols(), t.Row(r));
  }
  t.keys() = keys;
  return t;
}

void RunEquivalence(const std::string& name, const std::string& solver) {
  const std::string dir = TempDir(name);
  const std::string data = dir + "/data";
  ASSERT_TRUE(WriteSyntheticRatings(data, 150, 60, 12, 11).ok());
  const std::string spec_text = absl::StrCat(
      "dataset_dir: \"", data, "\"\nalgorithm: \"ials\"\nfactors: 8\n",
      "iterations: 3\nregularization: 0.05\nalpha: 2\nsolver: ", solver,
      "\ncg_steps: 4\nseed: 42\ninit_stddev: 0.1\n");
  ClusterOptions options;
  options.dir = dir;
  options.job_spec_text = spec_text;
  LocalCluster cluster(options);
  ASSERT_TRUE(cluster.Start().ok());
  absl::StatusOr<int> code = cluster.WaitForJob(absl::Minutes(4));
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_EQ(*code, 0) << cluster.CoordinatorStderr();
  EXPECT_EQ(cluster.worker_exit_codes(), std::vector<int>({0, 0}));
  nlohmann::json done =
      nlohmann::json::parse(LastDoneLine(cluster.CoordinatorStdout()));
  ASSERT_TRUE(done["done"].get<bool>()) << done.dump();
  const std::string version = done["export_path"].get<std::string>();
  ASSERT_TRUE(ReadModelManifest(PosixFileSystem(), version).ok());
  absl::StatusOr<FactorTable> users =
      ReadFactorTable(PosixFileSystem(), version + "/user_factors.tft");
  absl::StatusOr<FactorTable> items =
      ReadFactorTable(PosixFileSystem(), version + "/item_factors.tft");
  ASSERT_TRUE(users.ok() && items.ok());

  // The single-process reference from the shards' initial rows.
  tailor::v1::JobSpec spec;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(spec_text, &spec));
  absl::StatusOr<DistributedJob> job = ValidateDistributedJob(spec, 2);
  ASSERT_TRUE(job.ok()) << job.status();
  absl::StatusOr<IalsOptions> o = distributed::IalsOptionsFromJob(*job, 1);
  ASSERT_TRUE(o.ok());
  absl::StatusOr<Interactions> in = LoadInteractions(PosixFileSystem(), data);
  ASSERT_TRUE(in.ok());
  absl::StatusOr<std::unique_ptr<IalsTrainer>> trainer =
      IalsTrainer::Create(*o, in->matrix);
  ASSERT_TRUE(trainer.ok());
  const std::vector<TableSpec> tables = JobTableSpecs(*job);
  FactorMatrix& u = (*trainer)->mutable_user_factors();
  FactorMatrix& v = (*trainer)->mutable_item_factors();
  for (int64_t r = 0; r < u.rows(); ++r) {
    InitialRow(tables[0].init, in->user_keys[r], u.Row(r));
  }
  for (int64_t r = 0; r < v.rows(); ++r) {
    InitialRow(tables[1].init, in->item_keys[r], v.Row(r));
  }
  for (int it = 0; it < 3; ++it) ASSERT_TRUE((*trainer)->RunEpoch().ok());

  const double user_error = RelativeError(*users, ToTable(u, in->user_keys));
  const double item_error = RelativeError(*items, ToTable(v, in->item_keys));
  EXPECT_LT(user_error, 1e-4);
  EXPECT_LT(item_error, 1e-4);
  // The test can fail: the factors moved away from their initial values.
  FactorTable init_users = ToTable(u, in->user_keys);
  for (int64_t r = 0; r < init_users.rows(); ++r) {
    InitialRow(tables[0].init, in->user_keys[r],
               absl::MakeSpan(init_users.Row(r), init_users.dim()));
  }
  EXPECT_GT(RelativeError(*users, init_users), 0.1);
  // The reported loss is the single-process objective.
  nlohmann::json last;
  for (absl::string_view line :
       absl::StrSplit(cluster.CoordinatorStdout(), '\n')) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("loss")) last = j;
  }
  ASSERT_TRUE(last.contains("loss"));
  EXPECT_NEAR(last["loss"].get<double>(), (*trainer)->Loss(),
              1e-4 * std::fabs((*trainer)->Loss()));
  std::fprintf(stderr, "%s: relative error users %.3g items %.3g\n",
               name.c_str(), user_error, item_error);
}

TEST(IalsEquivalenceTest, CholeskyMatchesSingleProcess) {
  RunEquivalence("ials_cholesky", "SOLVER_CHOLESKY");
}

TEST(IalsEquivalenceTest, ConjugateGradientMatchesSingleProcess) {
  RunEquivalence("ials_cg", "SOLVER_CG");
}

}  // namespace
}  // namespace tailor::testing_dist
