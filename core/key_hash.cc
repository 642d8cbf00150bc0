#include "core/key_hash.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

inline uint64_t Load64Le(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define TAILOR_SIPROUND_(v0, v1, v2, v3) \
  do {                                   \
    v0 += v1;                            \
    v1 = Rotl(v1, 13);                   \
    v1 ^= v0;                            \
    v0 = Rotl(v0, 32);                   \
    v2 += v3;                            \
    v3 = Rotl(v3, 16);                   \
    v3 ^= v2;                            \
    v0 += v3;                            \
    v3 = Rotl(v3, 21);                   \
    v3 ^= v0;                            \
    v2 += v1;                            \
    v1 = Rotl(v1, 17);                   \
    v1 ^= v2;                            \
    v2 = Rotl(v2, 32);                   \
  } while (false)

// The 16 ASCII bytes "tailor.user.key1" and "tailor.item.key1" read as two
// little-endian words each (documented in docs/keys.md).
SipHashKey KeyFromBytes(const char bytes[16]) {
  return SipHashKey{Load64Le(bytes), Load64Le(bytes + 8)};
}
constexpr char kPublicUserKeyBytes[] = "tailor.user.key1";
constexpr char kPublicItemKeyBytes[] = "tailor.item.key1";
static_assert(sizeof(kPublicUserKeyBytes) == 17);
static_assert(sizeof(kPublicItemKeyBytes) == 17);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

uint64_t SipHash24(const SipHashKey& key, absl::string_view data) {
  uint64_t v0 =
      key.k0 ^ 0x736f6d6570736575ULL;  // "somepseudorandomlygeneratedbytes"
  uint64_t v1 = key.k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL;
  uint64_t v3 = key.k1 ^ 0x7465646279746573ULL;
  const char* p = data.data();
  const size_t len = data.size();
  const char* const end = p + (len & ~size_t{7});
  for (; p != end; p += 8) {
    const uint64_t m = Load64Le(p);
    v3 ^= m;
    TAILOR_SIPROUND_(v0, v1, v2, v3);
    TAILOR_SIPROUND_(v0, v1, v2, v3);
    v0 ^= m;
  }
  // Last block: the remaining 0..7 bytes, little-endian, with len mod 256 in
  // the top byte.
  uint64_t b = static_cast<uint64_t>(len) << 56;
  const unsigned char* t = reinterpret_cast<const unsigned char*>(p);
  switch (len & 7) {
    case 7:
      b |= static_cast<uint64_t>(t[6]) << 48;
      [[fallthrough]];
    case 6:
      b |= static_cast<uint64_t>(t[5]) << 40;
      [[fallthrough]];
    case 5:
      b |= static_cast<uint64_t>(t[4]) << 32;
      [[fallthrough]];
    case 4:
      b |= static_cast<uint64_t>(t[3]) << 24;
      [[fallthrough]];
    case 3:
      b |= static_cast<uint64_t>(t[2]) << 16;
      [[fallthrough]];
    case 2:
      b |= static_cast<uint64_t>(t[1]) << 8;
      [[fallthrough]];
    case 1:
      b |= static_cast<uint64_t>(t[0]);
      break;
    case 0:
      break;
  }
  v3 ^= b;
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  TAILOR_SIPROUND_(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

#undef TAILOR_SIPROUND_

KeyHasher KeyHasher::Public() {
  return KeyHasher(KeyFromBytes(kPublicUserKeyBytes),
                   KeyFromBytes(kPublicItemKeyBytes), /*pseudonymized=*/false);
}

absl::StatusOr<KeyHasher> KeyHasher::WithUserSecret(
    absl::string_view secret_hex) {
  if (secret_hex.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("user secret must be 32 hex digits (a 128-bit key), got ",
                     secret_hex.size(), " characters"));
  }
  char bytes[16];
  for (int i = 0; i < 16; ++i) {
    const int hi = HexValue(secret_hex[2 * i]);
    const int lo = HexValue(secret_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "user secret must be 32 hex digits (a 128-bit key); character ",
          hi < 0 ? 2 * i : 2 * i + 1, " is not a hex digit"));
    }
    bytes[i] = static_cast<char>(hi * 16 + lo);
  }
  return KeyHasher(KeyFromBytes(bytes), KeyFromBytes(kPublicItemKeyBytes),
                   /*pseudonymized=*/true);
}

}  // namespace tailor
