#ifndef TAILOR_TOOLS_INGEST_PRESETS_H_
#define TAILOR_TOOLS_INGEST_PRESETS_H_

// Named input layouts: which files to read and how (docs/ingest.md).
//   movielens100k  DIR with u.data, u.user, u.item (each optionally .gz)
//   online_retail  FILE, or DIR with online_retail.csv (optionally .xz/.gz)
//   synth          DIR written by `tailor synth`: interactions.csv[.gz],
//                  users.csv[.gz], items.csv[.gz]

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "tools/ingest/ingest_spec.h"

namespace tailor {

// Names of all presets.
std::vector<std::string> PresetNames();

// The spec of preset `name` for `input`. NOT_FOUND names the missing file;
// INVALID_ARGUMENT for an unknown preset.
absl::StatusOr<IngestSpec> PresetSpec(FileSystem* fs, const std::string& name,
                                      const std::string& input);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_PRESETS_H_
