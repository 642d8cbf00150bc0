#ifndef TAILOR_TOOLS_INGEST_TEST_UTIL_H_
#define TAILOR_TOOLS_INGEST_TEST_UTIL_H_

// Test helpers: in-memory gzip and xz compression.

#include <string>

#include "absl/strings/string_view.h"

namespace tailor {

// A gzip member holding `data`.
std::string GzipCompress(absl::string_view data);
// An .xz stream holding `data`.
std::string XzCompress(absl::string_view data);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_TEST_UTIL_H_
