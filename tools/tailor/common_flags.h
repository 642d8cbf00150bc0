#ifndef TAILOR_TOOLS_TAILOR_COMMON_FLAGS_H_
#define TAILOR_TOOLS_TAILOR_COMMON_FLAGS_H_

// Flags shared by several `tailor` subcommands, defined once (common_flags.cc)
// so the names mean the same everywhere. A subcommand lists the ones it uses
// in Command::shared_flags.

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, dataset);
ABSL_DECLARE_FLAG(std::string, input);
ABSL_DECLARE_FLAG(std::string, output);
ABSL_DECLARE_FLAG(uint64_t, seed);
ABSL_DECLARE_FLAG(int32_t, threads);
ABSL_DECLARE_FLAG(std::string, algorithm);
ABSL_DECLARE_FLAG(std::string, preset);

#endif  // TAILOR_TOOLS_TAILOR_COMMON_FLAGS_H_
