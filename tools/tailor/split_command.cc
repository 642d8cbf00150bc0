#include "tools/tailor/split_command.h"

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/eval_command.h"
#include "trainer/local/interactions.h"
#include "trainer/protocol/protocol_split.h"
#include "trainer/protocol/split_io.h"

namespace tailor {
namespace {

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (dataset.empty())
    return absl::InvalidArgumentError("--dataset is required");
  if (output.empty()) return absl::InvalidArgumentError("--output is required");
  TAILOR_ASSIGN_OR_RETURN(ProtocolOptions options,
                          ProtocolOptionsFromFlags(absl::GetFlag(FLAGS_seed)));
  TAILOR_ASSIGN_OR_RETURN(Interactions data, LoadInteractions(fs, dataset));
  TAILOR_ASSIGN_OR_RETURN(
      ProtocolSplit split,
      MakeProtocolSplit(data.matrix, data.timestamps, options));
  SplitSource source;
  source.dataset_dir = dataset;
  TAILOR_ASSIGN_OR_RETURN(source.dataset_fingerprint,
                          DatasetFingerprint(fs, dataset));
  TAILOR_RETURN_IF_ERROR(WriteProtocolSplit(fs, output, split, source));
  nlohmann::json out = {{"protocol", ProtocolName(split.options.protocol)},
                        {"seed", split.options.seed},
                        {"output", output},
                        {"dataset", dataset},
                        {"dataset_fingerprint", source.dataset_fingerprint},
                        {"users", data.matrix.rows},
                        {"items", data.matrix.cols},
                        {"folds", nlohmann::json::array()}};
  for (const EvalFold& f : split.folds) {
    out["folds"].push_back({{"train_entries", f.train.nnz()},
                            {"test_entries", f.test.nnz()},
                            {"negatives_entries", f.negatives.nnz()},
                            {"fold_in_entries", f.fold_in.nnz()}});
  }
  if (split.options.protocol == Protocol::kTemporal) {
    out["cutoff"] = split.options.cutoff;
  }
  if (split.options.protocol == Protocol::kStrong) {
    out["heldout_users"] = split.options.heldout_users;
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("split %s (seed %llu) of %s written to %s\n",
                ProtocolName(split.options.protocol),
                static_cast<unsigned long long>(split.options.seed),
                dataset.c_str(), output.c_str());
    for (size_t f = 0; f < split.folds.size(); ++f) {
      std::printf("  fold %zu: %lld train, %lld test entries\n", f,
                  static_cast<long long>(split.folds[f].train.nnz()),
                  static_cast<long long>(split.folds[f].test.nnz()));
    }
  }
  return absl::OkStatus();
}

int RunSplit() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor split: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command SplitCommand() {
  Command c;
  c.name = "split";
  c.summary =
      "Write a protocol split of a dataset (train/test blocks and "
      "split.json) for reproducible `tailor eval --split` runs.";
  c.flags_file = __FILE__;
  c.shared_flags = ProtocolFlagNames();
  for (const char* name : {"dataset", "output", "seed", "json"}) {
    c.shared_flags.push_back(name);
  }
  c.run = &RunSplit;
  return c;
}

}  // namespace tailor
