#include "tools/synth/synth_options.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace tailor {

absl::StatusOr<SynthOptions> SynthPreset(absl::string_view name) {
  SynthOptions o;
  o.preset = std::string(name);
  if (name == "ml20m") {
    // Shaped like MovieLens-20M positives (ratings >= 4).
    o.catalog = SynthCatalog::kMovies;
    o.value = SynthValue::kRating;
    o.users = 136677;
    o.items = 20108;
    o.interactions = 9940000;
    o.min_rating = 4;
    o.start_date = "2000-01-01";
    o.days = 15 * 365;
    o.activity_sigma = 1.0;
    o.session_mean_events = 12.0;
    o.session_gap_mean_seconds = 40.0;
    return o;
  }
  if (name == "retail1e8") {
    o.catalog = SynthCatalog::kRetail;
    o.value = SynthValue::kQuantity;
    o.users = 2000000;
    o.items = 200000;
    o.interactions = 100000000;
    o.start_date = "2024-01-01";
    o.days = 365;
    o.activity_sigma = 1.1;
    o.session_mean_events = 4.0;
    o.session_gap_mean_seconds = 90.0;
    return o;
  }
  if (name == "small") {
    o.catalog = SynthCatalog::kRetail;
    o.value = SynthValue::kQuantity;
    o.users = 1000;
    o.items = 300;
    o.interactions = 20000;
    o.start_date = "2024-01-01";
    o.days = 90;
    o.segments = 6;
    return o;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--preset: unknown synth preset \"", name,
                   "\" (expected ml20m, retail1e8 or small)"));
}

absl::StatusOr<int64_t> ParseSynthDate(absl::string_view date) {
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--start_date: \"", date, "\" is not a date of the form YYYY-MM-DD"));
  }
  return day - absl::CivilDay(1970, 1, 1);
}

absl::Status ValidateSynthOptions(const SynthOptions& o) {
  auto bad = [](absl::string_view flag, const auto& value,
                absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, "=", value, ": ", what));
  };
  if (o.users <= 0) return bad("--users", o.users, "must be positive");
  if (o.users > (int64_t{1} << 40)) return bad("--users", o.users, "too big");
  if (o.items <= 0) return bad("--items", o.items, "must be positive");
  if (o.items > std::numeric_limits<uint32_t>::max() / 2) {
    return bad("--items", o.items, "too big (at most 2^31 - 1)");
  }
  if (o.interactions < 0) {
    return bad("--interactions", o.interactions, "must not be negative");
  }
  // users * items may overflow int64; compare in long double.
  if (static_cast<long double>(o.interactions) >
      static_cast<long double>(o.users) * o.items) {
    return bad("--interactions", o.interactions,
               absl::StrCat("exceeds --users x --items = ", o.users, " x ",
                            o.items, " (each user-item pair occurs once)"));
  }
  if (o.factors_rank < 1 || o.factors_rank > 256) {
    return bad("--factors_rank", o.factors_rank, "must be in 1..256");
  }
  if (o.segments < 1 || o.segments > 1000) {
    return bad("--synth_segments", o.segments, "must be in 1..1000");
  }
  const int categories = static_cast<int>(SynthCategories(o.catalog).size());
  if (o.segment_categories < 1 || o.segment_categories > categories) {
    return bad("segment_categories", o.segment_categories,
               absl::StrCat("must be in 1..", categories));
  }
  const absl::StatusOr<int64_t> day = ParseSynthDate(o.start_date);
  if (!day.ok()) return day.status();
  if (*day < 0) {
    return bad("--start_date", o.start_date, "must be 1970-01-01 or later");
  }
  if (o.days < 1 || o.days > 100 * 366) {
    return bad("--days", o.days, "must be in 1..36600");
  }
  if (o.value == SynthValue::kRating &&
      (o.min_rating < 1 || o.min_rating > 5)) {
    return bad("--synth_min_rating", o.min_rating, "must be in 1..5");
  }
  if (!(o.popularity_exponent >= 0 && o.popularity_exponent <= 10)) {
    return bad("popularity_exponent", o.popularity_exponent,
               "must be in 0..10");
  }
  if (!(o.popularity_offset >= 0 && std::isfinite(o.popularity_offset))) {
    return bad("popularity_offset", o.popularity_offset,
               "must be finite and >= 0");
  }
  if (!(o.activity_sigma >= 0 && o.activity_sigma <= 5)) {
    return bad("activity_sigma", o.activity_sigma, "must be in 0..5");
  }
  if (!(o.max_user_item_share > 0 && o.max_user_item_share <= 1)) {
    return bad("max_user_item_share", o.max_user_item_share,
               "must be in (0, 1]");
  }
  if (!(o.session_mean_events >= 1 && o.session_mean_events <= 1e6)) {
    return bad("session_mean_events", o.session_mean_events,
               "must be in 1..1e6");
  }
  if (!(o.session_gap_mean_seconds >= 0 &&
        o.session_gap_mean_seconds <= 86400)) {
    return bad("session_gap_mean_seconds", o.session_gap_mean_seconds,
               "must be in 0..86400");
  }
  if (o.gzip_level < 1 || o.gzip_level > 9) {
    return bad("--synth_gzip_level", o.gzip_level, "must be in 1..9");
  }
  if (o.threads < 0) return bad("--threads", o.threads, "must be >= 0");
  return absl::OkStatus();
}

}  // namespace tailor
