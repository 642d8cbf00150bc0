#ifndef TAILOR_TOOLS_SYNTH_SYNTH_H_
#define TAILOR_TOOLS_SYNTH_SYNTH_H_

// `tailor synth`: writes a deterministic synthetic interaction log (users,
// items with text, interactions with values, prices and timestamps) into a
// directory; the format is in docs/synth.md. Output bytes depend only on the
// options and the seed, never on the thread count. Memory grows with the
// number of users and items, not with the number of interactions.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "tools/synth/synth_options.h"

namespace tailor {

struct SynthSummary {
  std::string interactions_path;  // DIR/interactions.csv[.gz]
  int64_t users = 0;
  int64_t items = 0;
  int64_t interactions = 0;
  int64_t users_without_interactions = 0;
  int64_t items_without_interactions = 0;
  int64_t interaction_bytes = 0;  // CSV text of interactions, uncompressed
  int64_t bytes_written = 0;      // every file, as stored
  double seconds = 0;
  // Shape of the log.
  int64_t max_user_interactions = 0;
  double median_user_interactions = 0;
  int64_t max_item_interactions = 0;
  double median_item_interactions = 0;
  double top1pct_item_share = 0;  // share of interactions on top 1% items
  std::map<int, int64_t> value_histogram;  // value -> count (64 = ">= 64")
  double mean_value = 0;
  int64_t fallback_users = 0;  // users sampled by exhaustive weighting
  int64_t forced_ratings = 0;  // ratings raised to min_rating
};

// Writes items.csv, users.csv, interactions.csv (or .csv.gz) and, last,
// synth.json into `output_dir` (created if missing; existing files of these
// names are replaced). INVALID_ARGUMENT names the bad flag; file errors name
// the path.
absl::StatusOr<SynthSummary> GenerateSynthLog(FileSystem* fs,
                                              const SynthOptions& options,
                                              const std::string& output_dir);

}  // namespace tailor

#endif  // TAILOR_TOOLS_SYNTH_SYNTH_H_
