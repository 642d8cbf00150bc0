#ifndef TAILOR_TOOLS_SYNTH_SYNTH_OPTIONS_H_
#define TAILOR_TOOLS_SYNTH_SYNTH_OPTIONS_H_

// Options and named presets of the synthetic log generator (see
// docs/synth.md for what each parameter does to the data).

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/synth/synth_catalog.h"

namespace tailor {

// What the `value` column of interactions.csv holds.
enum class SynthValue {
  kRating,    // an integer rating 1..5 from the latent model
  kQuantity,  // an integer quantity >= 1 (retail)
};

// Reported by GenerateSynthLog after each chunk of users is written.
struct SynthProgress {
  int64_t users_done = 0;
  int64_t interactions_written = 0;
  int64_t bytes_written = 0;  // interactions file, as stored
};

struct SynthOptions {
  std::string preset = "custom";  // recorded in synth.json only
  SynthCatalog catalog = SynthCatalog::kRetail;
  SynthValue value = SynthValue::kQuantity;
  uint64_t seed = 1;
  int64_t users = 0;           // > 0 (flag --users)
  int64_t items = 0;           // > 0 (flag --items)
  int64_t interactions = 0;    // exact; <= users * items (flag --interactions)
  int factors_rank = 16;       // true rank of the latent model, 1..256
  int segments = 12;           // latent user segments, 1..1000
  int segment_categories = 3;  // categories each segment prefers
  std::string start_date = "2024-01-01";  // first day, UTC (YYYY-MM-DD)
  int days = 365;                         // length of the log period
  // kRating only: ratings below this are not kept (1 keeps all ratings).
  int min_rating = 4;
  // Item popularity ~ (rank + offset)^-exponent over a random permutation of
  // the items; offset is given at 20,108 items and scales with --items.
  double popularity_exponent = 1.25;
  double popularity_offset = 40.0;
  double activity_sigma = 1.0;  // log-normal sigma of user activity
  // A user's count is capped at max(this share of the items,
  // ceil(interactions / users)).
  double max_user_item_share = 0.25;
  double session_mean_events = 4.0;        // events per session, on average
  double session_gap_mean_seconds = 90.0;  // between events of a session
  bool gzip = false;   // interactions.csv.gz instead of interactions.csv
  int gzip_level = 1;  // zlib level 1..9
  int threads = 0;     // 0: all cores; the output never depends on it
  // Called on the calling thread after each chunk; may be empty.
  std::function<void(const SynthProgress&)> progress;
};

// "ml20m", "retail1e8" or "small"; INVALID_ARGUMENT naming --preset
// otherwise.
absl::StatusOr<SynthOptions> SynthPreset(absl::string_view name);

// OK, or INVALID_ARGUMENT naming the offending flag (e.g. "--users must be
// positive").
absl::Status ValidateSynthOptions(const SynthOptions& options);

// Days since 1970-01-01 of a YYYY-MM-DD date; INVALID_ARGUMENT naming
// --start_date when it does not parse.
absl::StatusOr<int64_t> ParseSynthDate(absl::string_view date);

}  // namespace tailor

#endif  // TAILOR_TOOLS_SYNTH_SYNTH_OPTIONS_H_
