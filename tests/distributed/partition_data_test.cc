// The partition-by-partition loaders (trainer/distributed/partition_data.h)
// against LoadTrainingData's whole-matrix view: the same grid, mean, split
// rows and held-out sample, on a dataset of several partition files.
#include "trainer/distributed/partition_data.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "gtest/gtest.h"
#include "tests/distributed/local_cluster.h"
#include "trainer/distributed/job_setup.h"

namespace tailor::distributed {
namespace {

class PartitionDataTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(::testing::TempDir(), "/pdata"));
    // 9600 entries in partitions of ~4096: three files per orientation.
    ASSERT_TRUE(
        testing_dist::WriteSyntheticRatings(*dir_, 480, 150, 20, 5).ok());
  }
  static void TearDownTestSuite() { delete dir_; }

  DistributedJob Job() {
    tailor::v1::JobSpec spec;
    spec.set_dataset_dir(*dir_);
    spec.set_algorithm("ials");
    spec.set_factors(4);
    spec.set_partitions(3);
    spec.set_seed(9);
    if (GetParam()) {
      spec.mutable_evaluation()->set_protocol(
          tailor::v1::EVAL_PROTOCOL_STRATIFIED_RANDOM);
    }
    absl::StatusOr<DistributedJob> job = ValidateDistributedJob(spec, 2);
    EXPECT_TRUE(job.ok()) << job.status();
    return *job;
  }

  static std::string* dir_;
};
std::string* PartitionDataTest::dir_ = nullptr;

// Row r of `m` as (column, value) pairs; `fixed` maps compact columns.
std::vector<std::pair<uint32_t, float>> Row(
    const CsrMatrix& m, int64_t r, const std::vector<uint32_t>* fixed) {
  std::vector<std::pair<uint32_t, float>> out;
  for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
    out.push_back({fixed ? (*fixed)[m.indices[e]] : m.indices[e], m.data[e]});
  }
  return out;
}

TEST_P(PartitionDataTest, LayoutMatchesWholeMatrix) {
  const DistributedJob job = Job();
  absl::StatusOr<TrainingData> full =
      LoadTrainingData(PosixFileSystem(), job, false);
  ASSERT_TRUE(full.ok()) << full.status();
  absl::StatusOr<JobLayout> layout =
      ComputeJobLayout(PosixFileSystem(), job, 0);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->grid.row_cuts, full->grid.row_cuts);
  EXPECT_EQ(layout->grid.col_cuts, full->grid.col_cuts);
  EXPECT_NEAR(layout->global_mean, full->global_mean, 1e-9);
  EXPECT_EQ(layout->train_entries, full->train.nnz());
  EXPECT_EQ(layout->user_keys, full->user_keys);
  if (!GetParam()) {
    EXPECT_TRUE(layout->eval.users.empty());
    return;
  }
  std::vector<uint32_t> held_out;
  for (int64_t u = 0; u < full->test.rows; ++u) {
    if (full->test.RowSize(u) > 0) held_out.push_back(u);
  }
  ASSERT_EQ(layout->eval.users, held_out);
  for (size_t i = 0; i < held_out.size(); ++i) {
    EXPECT_EQ(Row(layout->eval.test, i, nullptr),
              Row(full->test, held_out[i], nullptr));
    EXPECT_EQ(Row(layout->eval.train, i, nullptr),
              Row(full->train, held_out[i], nullptr));
  }
}

TEST_P(PartitionDataTest, EvalSampleIsBounded) {
  const DistributedJob job = Job();
  absl::StatusOr<JobLayout> all = ComputeJobLayout(PosixFileSystem(), job, 0);
  absl::StatusOr<JobLayout> some = ComputeJobLayout(PosixFileSystem(), job, 50);
  ASSERT_TRUE(all.ok() && some.ok());
  if (!GetParam()) return;
  ASSERT_EQ(some->eval.users.size(), 50u);
  size_t j = 0;
  for (size_t i = 0; i < some->eval.users.size(); ++i) {
    while (all->eval.users[j] != some->eval.users[i]) ++j;
    EXPECT_EQ(Row(some->eval.test, i, nullptr),
              Row(all->eval.test, j, nullptr));
  }
}

TEST_P(PartitionDataTest, WorkerPartitionsAreSlicesOfTheSplit) {
  const DistributedJob job = Job();
  absl::StatusOr<TrainingData> full =
      LoadTrainingData(PosixFileSystem(), job, /*with_transpose=*/true);
  ASSERT_TRUE(full.ok()) << full.status();
  for (bool compact : {false, true}) {
    absl::StatusOr<std::unique_ptr<WorkerData>> w =
        WorkerData::Open(PosixFileSystem(), job, compact);
    ASSERT_TRUE(w.ok()) << w.status();
    for (bool user_side : {true, false}) {
      ASSERT_TRUE((*w)->Ensure(user_side, {0, 2}, full->grid.row_cuts,
                               full->grid.col_cuts)
                      .ok());
      EXPECT_EQ((*w)->Get(user_side, 1), nullptr);
      const CsrMatrix& m = user_side ? full->train : full->train_items;
      for (uint32_t p : {0u, 2u}) {
        const SidePartition* s = (*w)->Get(user_side, p);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->compact, compact);
        const auto& cuts =
            user_side ? full->grid.row_cuts : full->grid.col_cuts;
        ASSERT_EQ(s->begin, cuts[p]);
        ASSERT_EQ(s->rows.rows, int64_t{cuts[p + 1] - cuts[p]});
        for (int64_t r = 0; r < s->rows.rows; ++r) {
          EXPECT_EQ(Row(s->rows, r, compact ? &s->fixed : nullptr),
                    Row(m, s->begin + r, nullptr))
              << "side " << user_side << " partition " << p << " row " << r;
        }
      }
    }
    EXPECT_GT((*w)->bytes(), 0);
  }
}

TEST_P(PartitionDataTest, BadCutsAreRefused) {
  const DistributedJob job = Job();
  absl::StatusOr<std::unique_ptr<WorkerData>> w =
      WorkerData::Open(PosixFileSystem(), job, false);
  ASSERT_TRUE(w.ok());
  const absl::Status s = (*w)->Ensure(true, {0}, {0, 5, 5, 480}, {0, 1, 150});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  const absl::Status range =
      (*w)->Ensure(true, {3}, {0, 5, 6, 480}, {0, 1, 2, 150});
  EXPECT_EQ(range.code(), absl::StatusCode::kInvalidArgument) << range;
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutSplit, PartitionDataTest,
                         ::testing::Bool());

}  // namespace
}  // namespace tailor::distributed
