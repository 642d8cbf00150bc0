#include "core/artifacts/string_table.h"

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<std::vector<std::string>> UnpackStrings(
    absl::Span<const uint64_t> offsets, absl::Span<const uint8_t> bytes,
    absl::string_view what) {
  if (offsets.empty() || offsets.front() != 0 ||
      offsets.back() != bytes.size()) {
    return absl::DataLossError(
        absl::StrCat(what, ": string offsets do not span the string bytes"));
  }
  std::vector<std::string> out;
  out.reserve(offsets.size() - 1);
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    if (offsets[i + 1] < offsets[i]) {
      return absl::DataLossError(
          absl::StrCat(what, ": string offset ", i + 1, " decreases"));
    }
    out.emplace_back(reinterpret_cast<const char*>(bytes.data()) + offsets[i],
                     offsets[i + 1] - offsets[i]);
  }
  return out;
}

}  // namespace tailor
