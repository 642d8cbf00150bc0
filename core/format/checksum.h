#ifndef TAILOR_CORE_FORMAT_CHECKSUM_H_
#define TAILOR_CORE_FORMAT_CHECKSUM_H_

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// every Tailor binary file. Uses the SSE4.2 crc32 instruction with three
// interleaved streams; a portable table version exists for other targets and
// for tests. Pure functions, thread-safe.

#include <cstdint>

#include "absl/strings/string_view.h"

namespace tailor {

// The CRC-32C of `data`, continuing from `crc` (the CRC-32C of the bytes that
// came before, 0 for none): Crc32c(b, Crc32c(a)) == Crc32c(a + b).
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

// The CRC-32C of the concatenation a + b from crc_a = Crc32c(a),
// crc_b = Crc32c(b) and b's length.
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

namespace internal {
// Byte-at-a-time table implementation; same results as Crc32c. Slow; for
// targets without SSE4.2 and for tests.
uint32_t Crc32cPortable(absl::string_view data, uint32_t crc = 0);
}  // namespace internal

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_CHECKSUM_H_
