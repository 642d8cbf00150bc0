#ifndef TAILOR_TRAINER_MARKETING_CSV_UTIL_H_
#define TAILOR_TRAINER_MARKETING_CSV_UTIL_H_

// RFC 4180 CSV rows for the readable artifacts, and UTC time text.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tailor {

// Appends the fields joined by ',' and a '\n'; a field containing ',', '"',
// '\n' or '\r' is quoted with '"' doubled.
void AppendCsvRow(const std::vector<std::string>& fields, std::string* out);

// "YYYY-MM-DD HH:MM:SS" in UTC.
std::string FormatUtc(int64_t unix_seconds);

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_CSV_UTIL_H_
