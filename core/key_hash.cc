#include "core/key_hash.h"

#include <algorithm>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "absl/base/config.h"
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

namespace {

// The last message word of `data`: its 0..7 trailing bytes, little-endian,
// with the length mod 256 in the top byte.
inline uint64_t LastWord(absl::string_view data) {
  const size_t len = data.size();
  const size_t tail = len & 7;
  const char* t = data.data() + (len - tail);
  uint64_t b = 0;
  if (tail != 0) {
    // Read 8 bytes from `t` or ending at t + tail, whichever stays on t's
    // page (a read that cannot fault), and keep the tail's bytes.
#if !defined(ABSL_HAVE_ADDRESS_SANITIZER) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uintptr_t in_page = reinterpret_cast<uintptr_t>(t) & 4095;
    if (in_page <= 4096 - 8) {
      std::memcpy(&b, t, 8);
    } else {
      std::memcpy(&b, t + tail - 8, 8);
      b >>= 8 * (8 - tail);
    }
    b &= ~uint64_t{0} >> (8 * (8 - tail));
#else
    const unsigned char* u = reinterpret_cast<const unsigned char*>(t);
    for (size_t i = 0; i < tail; ++i)
      b |= static_cast<uint64_t>(u[i]) << (8 * i);
#endif
  }
  return b | (static_cast<uint64_t>(len) << 56);
}

#if defined(__AVX2__)
template <int B>
inline __m256i Rotl4(__m256i x) {
  if constexpr (B == 32) {
    return _mm256_shuffle_epi32(x, _MM_SHUFFLE(2, 3, 0, 1));
  } else if constexpr (B == 16) {
    const __m256i k = _mm256_setr_epi8(
        6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13,  //
        6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);
    return _mm256_shuffle_epi8(x, k);
  } else {
    return _mm256_or_si256(_mm256_slli_epi64(x, B),
                           _mm256_srli_epi64(x, 64 - B));
  }
}

inline void SipRound4(__m256i& v0, __m256i& v1, __m256i& v2, __m256i& v3) {
  v0 = _mm256_add_epi64(v0, v1);
  v1 = Rotl4<13>(v1);
  v1 = _mm256_xor_si256(v1, v0);
  v0 = Rotl4<32>(v0);
  v2 = _mm256_add_epi64(v2, v3);
  v3 = Rotl4<16>(v3);
  v3 = _mm256_xor_si256(v3, v2);
  v0 = _mm256_add_epi64(v0, v3);
  v3 = Rotl4<21>(v3);
  v3 = _mm256_xor_si256(v3, v0);
  v2 = _mm256_add_epi64(v2, v1);
  v1 = Rotl4<17>(v1);
  v1 = _mm256_xor_si256(v1, v2);
  v2 = Rotl4<32>(v2);
}

// Four hashes in the four 64-bit lanes. Lane l compresses words 0..nb[l]-1
// of its data and then its last word; steps past a lane's last word leave
// that lane's state unchanged (blend), so lanes of different lengths share
// the loop.
void SipHash24x4(const SipHashKey& key, const absl::string_view* d,
                 uint64_t* out) {
  __m256i v0 = _mm256_set1_epi64x(
      static_cast<long long>(key.k0 ^ 0x736f6d6570736575ULL));
  __m256i v1 = _mm256_set1_epi64x(
      static_cast<long long>(key.k1 ^ 0x646f72616e646f6dULL));
  __m256i v2 = _mm256_set1_epi64x(
      static_cast<long long>(key.k0 ^ 0x6c7967656e657261ULL));
  __m256i v3 = _mm256_set1_epi64x(
      static_cast<long long>(key.k1 ^ 0x7465646279746573ULL));
  const size_t nb[4] = {d[0].size() >> 3, d[1].size() >> 3, d[2].size() >> 3,
                        d[3].size() >> 3};
  const size_t steps =
      std::max(std::max(nb[0], nb[1]), std::max(nb[2], nb[3])) + 1;
  const bool uniform = nb[0] == nb[1] && nb[1] == nb[2] && nb[2] == nb[3];
  const uint64_t last[4] = {LastWord(d[0]), LastWord(d[1]), LastWord(d[2]),
                            LastWord(d[3])};
  for (size_t j = 0; j < steps; ++j) {
    uint64_t w[4];
    int64_t live[4];
    for (int l = 0; l < 4; ++l) {
      w[l] = j < nb[l] ? Load64Le(d[l].data() + 8 * j) : last[l];
      live[l] = j <= nb[l] ? -1 : 0;
    }
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
    __m256i a0 = v0, a1 = v1, a2 = v2;
    __m256i a3 = _mm256_xor_si256(v3, m);
    SipRound4(a0, a1, a2, a3);
    SipRound4(a0, a1, a2, a3);
    a0 = _mm256_xor_si256(a0, m);
    if (uniform) {  // every lane is live in every step
      v0 = a0, v1 = a1, v2 = a2, v3 = a3;
    } else {
      const __m256i mask =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(live));
      v0 = _mm256_blendv_epi8(v0, a0, mask);
      v1 = _mm256_blendv_epi8(v1, a1, mask);
      v2 = _mm256_blendv_epi8(v2, a2, mask);
      v3 = _mm256_blendv_epi8(v3, a3, mask);
    }
  }
  v2 = _mm256_xor_si256(v2, _mm256_set1_epi64x(0xff));
  SipRound4(v0, v1, v2, v3);
  SipRound4(v0, v1, v2, v3);
  SipRound4(v0, v1, v2, v3);
  SipRound4(v0, v1, v2, v3);
  const __m256i h =
      _mm256_xor_si256(_mm256_xor_si256(v0, v1), _mm256_xor_si256(v2, v3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), h);
}
#endif  // __AVX2__

}  // namespace

void SipHash24Batch(const SipHashKey& key, const absl::string_view* data,
                    size_t n, uint64_t* out) {
  size_t i = 0;
#if defined(__AVX2__)
  for (; i + 4 <= n; i += 4) SipHash24x4(key, data + i, out + i);
#endif
  for (; i < n; ++i) out[i] = SipHash24(key, data[i]);
}

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
