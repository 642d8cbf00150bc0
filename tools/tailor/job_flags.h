#ifndef TAILOR_TOOLS_TAILOR_JOB_FLAGS_H_
#define TAILOR_TOOLS_TAILOR_JOB_FLAGS_H_

// The job-spec flags shared by `tailor train`, `tailor eval` and (later)
// `tailor cluster`: a text-format JobSpec file, overridden field by field by
// the flags given, then completed with the algorithm's defaults.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tailor/v1/job.pb.h"

namespace tailor {

// Names of the flags BuildJobSpec reads, for Command::shared_flags.
std::vector<std::string> JobSpecFlagNames();

// Reads --job_spec (if given), applies the other job flags that differ from
// their "unset" defaults, then ApplyAlgorithmDefaults. Errors name the file
// or flag at fault.
absl::StatusOr<tailor::v1::JobSpec> BuildJobSpec();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_JOB_FLAGS_H_
