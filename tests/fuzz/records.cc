#include "tests/fuzz/records.h"

#include <algorithm>
#include <utility>

namespace tailor {

std::vector<FuzzRecord> SplitRecords(const uint8_t* data, size_t size,
                                     size_t max_records) {
  std::vector<FuzzRecord> records;
  size_t at = 0;
  while (at < size && records.size() < max_records) {
    FuzzRecord r;
    r.op = data[at++];
    size_t len = 0;
    if (at < size) len = data[at++];
    if (at < size) len |= size_t{data[at++]} << 8;
    len = std::min(len, size - at);
    r.payload.assign(reinterpret_cast<const char*>(data + at), len);
    at += len;
    records.push_back(std::move(r));
  }
  return records;
}

void AppendRecord(uint8_t op, const std::string& payload, std::string* out) {
  const size_t len = std::min<size_t>(payload.size(), 0xffff);
  out->push_back(static_cast<char>(op));
  out->push_back(static_cast<char>(len & 0xff));
  out->push_back(static_cast<char>(len >> 8));
  out->append(payload, 0, len);
}

}  // namespace tailor
