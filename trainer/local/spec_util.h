#ifndef TAILOR_TRAINER_LOCAL_SPEC_UTIL_H_
#define TAILOR_TRAINER_LOCAL_SPEC_UTIL_H_

// Reading a JobSpec's free-form `options` map with typed defaults. Errors
// name the option and the bad value.

#include <string>

#include "absl/status/statusor.h"
#include "tailor/v1/job.pb.h"

namespace tailor {

absl::StatusOr<double> DoubleOption(const tailor::v1::JobSpec& spec,
                                    const std::string& name, double fallback);
absl::StatusOr<bool> BoolOption(const tailor::v1::JobSpec& spec,
                                const std::string& name, bool fallback);
std::string StringOption(const tailor::v1::JobSpec& spec,
                         const std::string& name, const std::string& fallback);

// Fills fields left at zero with the defaults of spec.algorithm()
// (docs/training.md lists them): factors, iterations, regularization,
// alpha, learning_rate, negatives, cg_steps, neighbors, init_stddev.
void ApplyAlgorithmDefaults(tailor::v1::JobSpec& spec);

}  // namespace tailor

#endif  // TAILOR_TRAINER_LOCAL_SPEC_UTIL_H_
