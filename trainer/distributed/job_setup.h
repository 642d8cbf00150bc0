#ifndef TAILOR_TRAINER_DISTRIBUTED_JOB_SETUP_H_
#define TAILOR_TRAINER_DISTRIBUTED_JOB_SETUP_H_

// What the coordinator and every worker derive identically from a JobSpec
// and the dataset: the validated job (defaults applied), the training and
// held-out matrices of the evaluation split, the nnz-balanced partition grid
// and the parameter-server tables. Deterministic for a given spec, so every
// process computes the same partitions without exchanging them. Pure
// functions; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/csr_matrix.h"
#include "core/file_system.h"
#include "parameter_server/ps_types.h"
#include "tailor/v1/job.pb.h"
#include "trainer/als/implicit_als.h"
#include "trainer/sgd/block_grid.h"
#include "trainer/sgd/sgd_options.h"

namespace tailor::distributed {

inline constexpr char kUserTable[] = "user_factors";
inline constexpr char kItemTable[] = "item_factors";
inline constexpr char kUserBiasTable[] = "user_bias";
inline constexpr char kItemBiasTable[] = "item_bias";

struct DistributedJob {
  tailor::v1::JobSpec spec;  // defaults applied
  bool als = false;          // ials; otherwise the SGD family
  SgdAlgorithm sgd_algorithm = SgdAlgorithm::kBiasedMf;
  bool ratings = false;    // judged by rmse (biased_mf, pmf, nmf)
  int num_partitions = 1;  // per side; SGD grid size
  bool evaluate = false;   // a held-out split is evaluated
  double test_fraction = 0.25;
  uint64_t split_seed = 0;
  std::string metric;  // e.g. "ndcg@10", "rmse"
  int eval_k = 10;
  int eval_every = 1;
};

// Applies the algorithm defaults and checks every field distributed training
// uses. INVALID_ARGUMENT names the field and value ("job spec field
// 'factors': must be in 1..4096, got 0").
absl::StatusOr<DistributedJob> ValidateDistributedJob(tailor::v1::JobSpec spec,
                                                      int num_workers);

absl::StatusOr<IalsOptions> IalsOptionsFromJob(const DistributedJob& job,
                                               int threads);
absl::StatusOr<SgdOptions> SgdOptionsFromJob(const DistributedJob& job,
                                             int threads);

// Tables on the shards: factors of users and items (deterministic normal
// initializer from the job seed), and for SGD algorithms with biases the
// bias tables (dim 1, zeros).
std::vector<TableSpec> JobTableSpecs(const DistributedJob& job);
bool HasUserBias(const DistributedJob& job);
bool HasItemBias(const DistributedJob& job);

struct TrainingData {
  CsrMatrix train;        // users x items (what is trained on)
  CsrMatrix test;         // same shape; empty entries when !job.evaluate
  CsrMatrix train_items;  // Transpose(train), ALS item steps only
  std::vector<uint64_t> user_keys;  // by dense index, ascending
  std::vector<uint64_t> item_keys;
  GridPartition grid;      // num_partitions x num_partitions, nnz balanced
  double global_mean = 0;  // mean training value (biased_mf's mu)
};

// Loads the dataset (checksums verified), splits it by the job's evaluation
// split and cuts the grid. `with_transpose` also builds train_items.
absl::StatusOr<TrainingData> LoadTrainingData(FileSystem* fs,
                                              const DistributedJob& job,
                                              bool with_transpose);

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_JOB_SETUP_H_
