#ifndef TAILOR_CORE_KEY_HASH_H_
#define TAILOR_CORE_KEY_HASH_H_

// Maps external ids (user and item id strings) to the 64-bit keys used
// everywhere else, with SipHash-2-4 over the id's UTF-8 bytes. The mapping is
// stable across builds, machines and releases; docs/keys.md specifies it
// exactly (keys, byte order, worked examples).

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor {

// A 128-bit SipHash key: k0 and k1 are the little-endian 64-bit words of the
// 16 key bytes (bytes 0..7 and 8..15), as in the SipHash paper.
struct SipHashKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

// SipHash-2-4 of `data` under `key` (Aumasson and Bernstein, 2012).
uint64_t SipHash24(const SipHashKey& key, absl::string_view data);

// out[i] = SipHash24(key, data[i]) for every i < n: the same values, computed
// four at a time with AVX2 where the build targets it (scalar otherwise).
// Faster than n calls for short strings such as ids.
void SipHash24Batch(const SipHashKey& key, const absl::string_view* data,
                    size_t n, uint64_t* out);

// Hashes user and item ids in separate namespaces (distinct keys), so equal
// strings used as a user id and an item id get unrelated keys. A small value
// type; thread-safe (immutable).
class KeyHasher {
 public:
  // The fixed, documented public keys for both namespaces: anyone can
  // recompute a key from an id.
  static KeyHasher Public();

  // Public item keys; user keys under a secret 128-bit key given as 32 hex
  // digits (either case), so raw user ids never need to leave the ingest
  // machine and keys cannot be recomputed without the secret.
  // INVALID_ARGUMENT when `secret_hex` is not exactly 32 hex digits (the
  // message describes the problem without echoing the secret).
  static absl::StatusOr<KeyHasher> WithUserSecret(absl::string_view secret_hex);

  uint64_t UserKey(absl::string_view user_id) const {
    return SipHash24(user_key_, user_id);
  }
  uint64_t ItemKey(absl::string_view item_id) const {
    return SipHash24(item_key_, item_id);
  }
  // keys[i] = UserKey(ids[i]) / ItemKey(ids[i]) for every i < n (batched).
  void UserKeys(const absl::string_view* ids, size_t n, uint64_t* keys) const {
    SipHash24Batch(user_key_, ids, n, keys);
  }
  void ItemKeys(const absl::string_view* ids, size_t n, uint64_t* keys) const {
    SipHash24Batch(item_key_, ids, n, keys);
  }
  // True when user keys use a secret rather than the public user key.
  bool user_ids_pseudonymized() const { return pseudonymized_; }

 private:
  KeyHasher(SipHashKey user_key, SipHashKey item_key, bool pseudonymized)
      : user_key_(user_key),
        item_key_(item_key),
        pseudonymized_(pseudonymized) {}

  SipHashKey user_key_;
  SipHashKey item_key_;
  bool pseudonymized_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_KEY_HASH_H_
