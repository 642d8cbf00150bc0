#ifndef TAILOR_TOOLS_INGEST_FIELD_PARSERS_H_
#define TAILOR_TOOLS_INGEST_FIELD_PARSERS_H_

// Parsers for single CSV fields: numbers (std::from_chars, no allocation),
// timestamps, id normalisation and text encodings. All are pure functions.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace tailor {

enum class NumberParse { kOk, kNotANumber, kNotFinite };

// Parses a decimal or scientific number; surrounding ASCII spaces and a
// leading '+' are allowed. "nan", "inf", "infinity" (any case, any sign)
// and values that overflow float give kNotFinite.
NumberParse ParseFloatField(absl::string_view s, float* out);
NumberParse ParseDoubleField(absl::string_view s, double* out);

enum class TimestampFormat {
  kUnixSeconds,  // integer seconds (a fractional part is truncated)
  kIso,          // "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]", 'T', 'Z'
  kAuto,         // kIso when the field has '-' after 4 digits, else unix
};

// Parses a timestamp to seconds since the Unix epoch (UTC). False when the
// text is not a valid timestamp in `format`.
bool ParseTimestampField(absl::string_view s, TimestampFormat format,
                         int64_t* unix_seconds);

// Seconds since the epoch of a proleptic Gregorian UTC date and time; no
// range checks.
int64_t UnixSecondsFromCivil(int64_t year, int month, int day, int hour,
                             int minute, int second);

// Strips ASCII spaces at both ends.
absl::string_view TrimSpaces(absl::string_view s);

// "17850.0" -> "17850": a decimal integer written with a zero fraction (as
// spreadsheets export numeric ids) loses the fraction. Anything else is
// returned unchanged.
absl::string_view NormalizeNumericId(absl::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(absl::string_view s);

// Converts ISO-8859-1 text to UTF-8.
std::string Latin1ToUtf8(absl::string_view s);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_FIELD_PARSERS_H_
