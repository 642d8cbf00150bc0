#ifndef TAILOR_TRAINER_DISTRIBUTED_SHARD_MODEL_H_
#define TAILOR_TRAINER_DISTRIBUTED_SHARD_MODEL_H_

// The trained model read back from the parameter servers: the held-out
// evaluation the coordinator runs each iteration, and the export of the
// model version at the end (docs/distributed.md, "Evaluation", "Export").
// Stateless functions; thread-compatible.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "nlohmann/json.hpp"
#include "parameter_server/ps_client.h"
#include "trainer/distributed/job_setup.h"
#include "trainer/distributed/partition_data.h"

namespace tailor::distributed {

// Rows of the model for some users and every item.
struct PulledModel {
  int factors = 0;
  std::vector<uint32_t> users;  // dense user indices of user rows
  std::vector<float> user_factors, item_factors;  // row-major, stride k
  std::vector<float> user_bias, item_bias;        // empty without biases
};

// Pulls the rows of `users` (sorted dense indices) and of every item.
absl::StatusOr<PulledModel> PullModel(PsClient* ps, const DistributedJob& job,
                                      const JobLayout& layout,
                                      std::vector<uint32_t> users);

// Held-out metrics of the job's split: rmse and mae for rating
// algorithms, otherwise the top-k metrics at job.eval_k ranking every item
// the user has not seen in training, over the held-out users of
// layout.eval (a fixed sample). `bytes_pulled` (optional) receives the
// payload read.
absl::StatusOr<std::map<std::string, double>> EvaluateOnShards(
    PsClient* ps, const DistributedJob& job, const JobLayout& layout,
    int64_t* bytes_pulled = nullptr);

// Pulls every row and writes the model version (core/model/model_version.h)
// <base>/<name>/<version>; returns its directory.
absl::StatusOr<std::string> ExportFromShards(
    PsClient* ps, FileSystem* fs, const DistributedJob& job,
    const JobLayout& layout, const std::string& base, const std::string& name,
    const std::map<std::string, double>& metrics,
    const nlohmann::json& training);

}  // namespace tailor::distributed

#endif  // TAILOR_TRAINER_DISTRIBUTED_SHARD_MODEL_H_
