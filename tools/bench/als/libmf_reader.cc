#include "tools/bench/als/libmf_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/file_system.h"

namespace tailor {

absl::StatusOr<CsrMatrix> ReadLibmf(const std::string& path) {
  absl::StatusOr<std::string> contents =
      ReadFileToString(PosixFileSystem(), path);
  if (!contents.ok()) return contents.status();
  const std::string& text = *contents;
  std::vector<uint32_t> users, items;
  std::vector<float> values;
  int64_t rows = 0, cols = 0, line_no = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  // A hand-rolled parser: absl::StrSplit + SimpleAtof take ~10x longer on
  // the 134 MB file.
  auto skip_blanks = [&] {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  };
  auto parse_uint = [&](uint32_t* out) {
    skip_blanks();
    const char* start = p;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < (1ull << 32)) {
      v = v * 10 + (*p++ - '0');
    }
    *out = static_cast<uint32_t>(v);
    return p > start && v < (1ull << 32);
  };
  while (p < end) {
    ++line_no;
    skip_blanks();
    if (p < end && *p == '\n') {
      ++p;
      continue;
    }
    uint32_t u, i;
    bool ok = parse_uint(&u) && parse_uint(&i);
    float r = 0;
    if (ok) {
      skip_blanks();
      char* after = nullptr;
      r = std::strtof(p, &after);
      ok = after != p;
      p = after;
      skip_blanks();
      ok = ok && (p == end || *p == '\n');
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: expected `user item value`", path, line_no));
    }
    ++p;
    users.push_back(u);
    items.push_back(i);
    values.push_back(r);
    rows = std::max<int64_t>(rows, u + 1);
    cols = std::max<int64_t>(cols, i + 1);
  }
  return CsrFromTriples(rows, cols, users, items, values,
                        DuplicatePolicy::kSum);
}

std::string DefaultLibmfTrainPath() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") +
         "/.cache/tailor-peers/data/synth-full/train.txt";
}

}  // namespace tailor
