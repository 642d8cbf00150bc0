#ifndef TAILOR_TESTS_FUZZ_RECORDS_H_
#define TAILOR_TESTS_FUZZ_RECORDS_H_

// The input layout of the fuzz targets that replay a sequence of requests
// (parameter server, coordinator): records of one operation byte, a 2-byte
// little-endian length and that many payload bytes (a serialized request).
// A short last record takes what is left. Stateless.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tailor {

struct FuzzRecord {
  uint8_t op = 0;
  std::string payload;
};

// At most `max_records` records of `data`.
std::vector<FuzzRecord> SplitRecords(const uint8_t* data, size_t size,
                                     size_t max_records);

// The inverse, for seed corpora.
void AppendRecord(uint8_t op, const std::string& payload, std::string* out);

}  // namespace tailor

#endif  // TAILOR_TESTS_FUZZ_RECORDS_H_
