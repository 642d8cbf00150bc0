#include "tools/tailor/synth_command.h"

#include <cstdio>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tools/synth/synth.h"
#include "tools/tailor/common_flags.h"

// Flags left unset keep the preset's values.
ABSL_FLAG(std::optional<int64_t>, users, std::nullopt,
          "Number of users (default: the preset's).");
ABSL_FLAG(std::optional<int64_t>, items, std::nullopt,
          "Number of items (default: the preset's).");
ABSL_FLAG(std::optional<int64_t>, interactions, std::nullopt,
          "Exact number of interaction lines, at most users x items "
          "(default: the preset's).");
ABSL_FLAG(std::optional<int32_t>, factors_rank, std::nullopt,
          "True rank of the latent user/item factors (default: the "
          "preset's, 16).");
ABSL_FLAG(std::optional<std::string>, start_date, std::nullopt,
          "First day of the log, YYYY-MM-DD, UTC (default: the preset's).");
ABSL_FLAG(std::optional<int32_t>, days, std::nullopt,
          "Length of the log period in days (default: the preset's).");
ABSL_FLAG(bool, gzip, false,
          "Write interactions.csv.gz (concatenated gzip members) instead of "
          "interactions.csv.");
ABSL_FLAG(int32_t, synth_gzip_level, 1, "zlib level 1..9 for --gzip.");
ABSL_FLAG(std::optional<int32_t>, synth_min_rating, std::nullopt,
          "Rating presets (ml20m): keep only ratings >= this; 1 keeps all "
          "(default: the preset's, 4).");
ABSL_FLAG(std::optional<int32_t>, synth_segments, std::nullopt,
          "Number of latent user segments (default: the preset's).");

namespace tailor {
namespace {

// Replaces `*value` by the flag's value when the flag was set.
template <typename T, typename U>
void Override(const absl::Flag<std::optional<T>>& flag, U* value) {
  if (const std::optional<T> v = absl::GetFlag(flag); v.has_value()) {
    *value = *v;
  }
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tailor synth: %s\n", status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

int RunSynth() {
  const std::string preset = absl::GetFlag(FLAGS_preset);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (preset.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--preset is required: ml20m, retail1e8 or small"));
  }
  if (output.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--output is required: the directory to write the log into"));
  }
  absl::StatusOr<SynthOptions> preset_options = SynthPreset(preset);
  if (!preset_options.ok()) return Fail(preset_options.status());
  SynthOptions options = *std::move(preset_options);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.threads = absl::GetFlag(FLAGS_threads);
  Override(FLAGS_users, &options.users);
  Override(FLAGS_items, &options.items);
  Override(FLAGS_interactions, &options.interactions);
  Override(FLAGS_factors_rank, &options.factors_rank);
  Override(FLAGS_start_date, &options.start_date);
  Override(FLAGS_days, &options.days);
  Override(FLAGS_synth_min_rating, &options.min_rating);
  Override(FLAGS_synth_segments, &options.segments);
  options.gzip = absl::GetFlag(FLAGS_gzip);
  options.gzip_level = absl::GetFlag(FLAGS_synth_gzip_level);
  if (absl::Status s = ValidateSynthOptions(options); !s.ok()) return Fail(s);

  const absl::Time start = absl::Now();
  absl::Time last_report = start;
  const int64_t total = options.interactions;
  options.progress = [&](const SynthProgress& p) {
    const absl::Time now = absl::Now();
    if (now - last_report < absl::Seconds(2)) return;
    last_report = now;
    const double seconds = absl::ToDoubleSeconds(now - start);
    std::fprintf(stderr,
                 "synth: %lld / %lld interactions (%.0f%%), %lld users, "
                 "%.1f s, %.2fM lines/s\n",
                 static_cast<long long>(p.interactions_written),
                 static_cast<long long>(total),
                 total > 0 ? 100.0 * p.interactions_written / total : 100.0,
                 static_cast<long long>(p.users_done), seconds,
                 p.interactions_written / seconds / 1e6);
  };
  absl::StatusOr<SynthSummary> summary =
      GenerateSynthLog(PosixFileSystem(), options, output);
  if (!summary.ok()) return Fail(summary.status());
  const SynthSummary& s = *summary;
  const double lines_per_second =
      s.seconds > 0 ? s.interactions / s.seconds : 0.0;

  if (absl::GetFlag(FLAGS_json)) {
    nlohmann::ordered_json j;
    j["command"] = "synth";
    j["preset"] = options.preset;
    j["seed"] = options.seed;
    j["output"] = output;
    j["interactions_file"] = s.interactions_path;
    j["users"] = s.users;
    j["items"] = s.items;
    j["interactions"] = s.interactions;
    j["users_without_interactions"] = s.users_without_interactions;
    j["items_without_interactions"] = s.items_without_interactions;
    j["bytes"] = s.bytes_written;
    j["interaction_bytes"] = s.interaction_bytes;
    j["seconds"] = s.seconds;
    j["lines_per_second"] = lines_per_second;
    j["median_user_interactions"] = s.median_user_interactions;
    j["median_item_interactions"] = s.median_item_interactions;
    j["top1pct_item_share"] = s.top1pct_item_share;
    j["mean_value"] = s.mean_value;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "wrote %s\n  users %lld (%lld without interactions), items %lld, "
        "interactions %lld\n  bytes %lld (interactions text %lld)\n"
        "  %.2f s, %.0f lines/s\n  median per user %.0f, per item %.0f, "
        "top 1%% of items hold %.1f%% of interactions\n",
        output.c_str(), static_cast<long long>(s.users),
        static_cast<long long>(s.users_without_interactions),
        static_cast<long long>(s.items), static_cast<long long>(s.interactions),
        static_cast<long long>(s.bytes_written),
        static_cast<long long>(s.interaction_bytes), s.seconds,
        lines_per_second, s.median_user_interactions,
        s.median_item_interactions, 100.0 * s.top1pct_item_share);
  }
  return 0;
}

}  // namespace

Command SynthCommand() {
  Command c;
  c.name = "synth";
  c.summary =
      "Write a deterministic synthetic interaction log (presets ml20m, "
      "retail1e8, small).";
  c.flags_file = __FILE__;
  c.shared_flags = {"json", "output", "seed", "threads", "preset"};
  c.run = &RunSynth;
  return c;
}

}  // namespace tailor
