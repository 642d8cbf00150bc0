#include "core/format/checksum.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace tailor {
namespace {

// Reflected CRC-32C polynomial.
constexpr uint32_t kPoly = 0x82F63B78u;

// Multiplies a and b modulo the CRC polynomial in the reflected
// representation (bit 31 is x^0).
constexpr uint32_t MultModP(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31;
  uint32_t p = 0;
  while (m != 0) {
    if (a & m) p ^= b;
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

// x^(8 * n) modulo the polynomial: the operator that appends n zero bytes to
// a raw CRC register.
constexpr uint32_t XPow8N(uint64_t n) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 23;  // x^8
  while (n != 0) {
    if (n & 1) result = MultModP(square, result);
    square = MultModP(square, square);
    n >>= 1;
  }
  return result;
}

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t PortableRaw(const uint8_t* p, size_t n, uint32_t state) {
  for (size_t i = 0; i < n; ++i) {
    state = kTable[(state ^ p[i]) & 0xff] ^ (state >> 8);
  }
  return state;
}

#if defined(__SSE4_2__)

// Four 256-entry tables that multiply a 32-bit register by a fixed power of
// x, one byte of the register at a time (the operation is linear).
using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;
constexpr ShiftTable MakeShiftTable(uint32_t power) {
  ShiftTable t{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = MultModP(power, b << (8 * k));
  }
  return t;
}
inline uint32_t Shift(const ShiftTable& t, uint32_t crc) {
  return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^
         t[3][crc >> 24];
}

// Three streams of kLongBlock bytes (and then of kShortBlock bytes) run
// interleaved to hide the 3-cycle latency of the crc32 instruction; the
// partial registers are joined by multiplying with x^(8 * block).
constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;
constexpr ShiftTable kLongShift1 = MakeShiftTable(XPow8N(kLongBlock));
constexpr ShiftTable kLongShift2 = MakeShiftTable(XPow8N(2 * kLongBlock));
constexpr ShiftTable kShortShift1 = MakeShiftTable(XPow8N(kShortBlock));
constexpr ShiftTable kShortShift2 = MakeShiftTable(XPow8N(2 * kShortBlock));

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <size_t kBlock>
inline uint32_t ThreeStreams(const uint8_t* p, uint32_t state,
                             const ShiftTable& shift1,
                             const ShiftTable& shift2) {
  uint64_t c0 = state, c1 = 0, c2 = 0;
  for (size_t i = 0; i < kBlock; i += 8) {
    c0 = _mm_crc32_u64(c0, Load64(p + i));
    c1 = _mm_crc32_u64(c1, Load64(p + kBlock + i));
    c2 = _mm_crc32_u64(c2, Load64(p + 2 * kBlock + i));
  }
  return Shift(shift2, static_cast<uint32_t>(c0)) ^
         Shift(shift1, static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
}

uint32_t HardwareRaw(const uint8_t* p, size_t n, uint32_t state) {
  // Align to 8 bytes.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    state = _mm_crc32_u8(state, *p++);
    --n;
  }
  while (n >= 3 * kLongBlock) {
    state = ThreeStreams<kLongBlock>(p, state, kLongShift1, kLongShift2);
    p += 3 * kLongBlock;
    n -= 3 * kLongBlock;
  }
  while (n >= 3 * kShortBlock) {
    state = ThreeStreams<kShortBlock>(p, state, kShortShift1, kShortShift2);
    p += 3 * kShortBlock;
    n -= 3 * kShortBlock;
  }
  uint64_t c = state;
  while (n >= 8) {
    c = _mm_crc32_u64(c, Load64(p));
    p += 8;
    n -= 8;
  }
  state = static_cast<uint32_t>(c);
  while (n > 0) {
    state = _mm_crc32_u8(state, *p++);
    --n;
  }
  return state;
}

#endif  // __SSE4_2__

}  // namespace

uint32_t Crc32c(absl::string_view data, uint32_t crc) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
#if defined(__SSE4_2__)
  return ~HardwareRaw(p, data.size(), ~crc);
#else
  return ~PortableRaw(p, data.size(), ~crc);
#endif
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return MultModP(XPow8N(length_b), crc_a) ^ crc_b;
}

namespace internal {
uint32_t Crc32cPortable(absl::string_view data, uint32_t crc) {
  return ~PortableRaw(reinterpret_cast<const uint8_t*>(data.data()),
                      data.size(), ~crc);
}
}  // namespace internal

}  // namespace tailor
