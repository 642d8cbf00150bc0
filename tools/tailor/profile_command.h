#ifndef TAILOR_TOOLS_TAILOR_PROFILE_COMMAND_H_
#define TAILOR_TOOLS_TAILOR_PROFILE_COMMAND_H_

// `tailor profile`: user profiles of a dataset (docs/marketing.md). Also
// defines the flags `tailor segment` shares with it (--html, the category
// attribute and the lifecycle rules).

#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "tools/tailor/command.h"
#include "trainer/marketing/profile.h"

ABSL_DECLARE_FLAG(std::string, html);
ABSL_DECLARE_FLAG(std::string, category_attribute);

namespace tailor {

Command ProfileCommand();

// ProfileOptions from the profile flags; INVALID_ARGUMENT for bad values.
absl::StatusOr<ProfileOptions> ProfileOptionsFromFlags();

// Names of the flags above, for Command::shared_flags of other commands.
std::vector<std::string> ProfileFlagNames();

// Sets the OpenMP thread count from --threads (0: leave the default).
void ApplyThreadsFlag();

}  // namespace tailor

#endif  // TAILOR_TOOLS_TAILOR_PROFILE_COMMAND_H_
