#ifndef TAILOR_CORE_ARTIFACTS_STRING_TABLE_H_
#define TAILOR_CORE_ARTIFACTS_STRING_TABLE_H_

// Strings in a binary artifact: one uint8 section with the bytes of all
// strings back to back and one uint64 section of count + 1 offsets (first
// 0, last = bytes). A plain value type.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tailor {

struct StringTable {
  std::vector<uint64_t> offsets = {0};
  std::string bytes;

  void Add(absl::string_view s) {
    bytes.append(s.data(), s.size());
    offsets.push_back(bytes.size());
  }
  absl::Span<const uint8_t> byte_span() const {
    return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  }
};

// The strings of offsets/bytes sections read from a file; DATA_LOSS naming
// `what` when the offsets are not a non-decreasing path from 0 to the size.
absl::StatusOr<std::vector<std::string>> UnpackStrings(
    absl::Span<const uint64_t> offsets, absl::Span<const uint8_t> bytes,
    absl::string_view what);

}  // namespace tailor

#endif  // TAILOR_CORE_ARTIFACTS_STRING_TABLE_H_
