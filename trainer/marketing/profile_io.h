#ifndef TAILOR_TRAINER_MARKETING_PROFILE_IO_H_
#define TAILOR_TRAINER_MARKETING_PROFILE_IO_H_

// The profile artifacts (docs/formats/profiles.md): profiles.tpf, a binary
// file in the container of core/format/format.h, and profiles.csv, one
// readable line per user.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/format/format.h"
#include "trainer/marketing/profile.h"

namespace tailor {

inline constexpr FileType kProfilesFileType = {"TLRPRF01", 24, "user profiles"};

// Writes `profiles` to `path`; errors name the path.
absl::Status WriteProfiles(FileSystem* fs, const std::string& path,
                           const UserProfiles& profiles);

// Reads and checks a profiles file (sizes agree, offsets in range);
// DATA_LOSS naming `path` for corrupt or truncated files.
absl::StatusOr<UserProfiles> ReadProfiles(FileSystem* fs,
                                          const std::string& path);

// The CSV text (header + one line per user); `items` resolves top item keys
// to external ids.
std::string ProfilesToCsv(const UserProfiles& profiles,
                          const EntityColumns& items);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_PROFILE_IO_H_
