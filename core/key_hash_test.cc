#include "core/key_hash.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Key 00 01 .. 0f, as in the SipHash paper's test vectors.
SipHashKey ReferenceKey() {
  return SipHashKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
}

std::string Counting(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// Entries of the reference implementation's 64-entry table (message i is
// the bytes 00 01 .. i-1), written as the little-endian 64-bit result.
TEST(SipHash24Test, MatchesPublishedTestVectors) {
  struct Vector {
    int length;
    uint64_t expected;
  };
  const Vector vectors[] = {
      {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},
      {2, 0x0d6c8009d9a94f5aULL},  {3, 0x85676696d7fb7e2dULL},
      {4, 0xcf2794e0277187b7ULL},  {5, 0x18765564cd99a68dULL},
      {6, 0xcbc9466e58fee3ceULL},  {7, 0xab0200f58b01d137ULL},
      {8, 0x93f5f5799a932462ULL},  {15, 0xa129ca6149be45e5ULL},
      {63, 0x958a324ceb064572ULL},
  };
  for (const Vector& v : vectors) {
    EXPECT_EQ(SipHash24(ReferenceKey(), Counting(v.length)), v.expected)
        << "message length " << v.length;
  }
}

// A deliberately plain second implementation: pad the message as the paper
// describes, then run c = 2 and d = 4 rounds on an array state.
uint64_t PlainSipHash24(uint64_t k0, uint64_t k1, const std::string& msg) {
  auto rotl = [](uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  auto round = [&] {
    v[0] += v[1];
    v[1] = rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl(v[2], 32);
  };
  std::vector<uint8_t> padded(msg.begin(), msg.end());
  while (padded.size() % 8 != 7) padded.push_back(0);
  padded.push_back(static_cast<uint8_t>(msg.size()));
  for (size_t i = 0; i < padded.size(); i += 8) {
    uint64_t m = 0;
    for (int j = 7; j >= 0; --j) m = (m << 8) | padded[i + j];
    v[3] ^= m;
    round();
    round();
    v[0] ^= m;
  }
  v[2] ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

TEST(SipHash24Test, AgreesWithPlainImplementationOnRandomInputs) {
  std::mt19937_64 rng(17);
  for (int len = 0; len < 300; ++len) {
    std::string msg;
    for (int i = 0; i < len; ++i) msg.push_back(static_cast<char>(rng()));
    const SipHashKey key{rng(), rng()};
    ASSERT_EQ(SipHash24(key, msg), PlainSipHash24(key.k0, key.k1, msg))
        << "length " << len;
  }
}

TEST(SipHash24Test, BatchEqualsOneAtATime) {
  // Mixed lengths in every group of four (0 to 40 bytes, so lanes differ in
  // their number of full words), uniform groups, and a tail of n % 4.
  std::mt19937_64 rng(23);
  std::vector<std::string> msgs;
  for (int i = 0; i < 203; ++i) {
    const int len = i < 100 ? static_cast<int>(rng() % 41) : 7;
    std::string m;
    for (int j = 0; j < len; ++j) m.push_back(static_cast<char>(rng()));
    msgs.push_back(m);
  }
  std::vector<absl::string_view> views(msgs.begin(), msgs.end());
  const SipHashKey key{rng(), rng()};
  for (size_t n : {size_t{0}, size_t{1}, size_t{4}, size_t{7}, views.size()}) {
    std::vector<uint64_t> out(n, 0);
    SipHash24Batch(key, views.data(), n, out.data());
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(out[i], SipHash24(key, views[i])) << "n " << n << " i " << i;
    }
  }
  const KeyHasher h = KeyHasher::Public();
  std::vector<uint64_t> users(views.size()), items(views.size());
  h.UserKeys(views.data(), views.size(), users.data());
  h.ItemKeys(views.data(), views.size(), items.data());
  for (size_t i = 0; i < views.size(); ++i) {
    ASSERT_EQ(users[i], h.UserKey(views[i]));
    ASSERT_EQ(items[i], h.ItemKey(views[i]));
  }
}

// The worked examples of docs/keys.md.
TEST(KeyHasherTest, PublicKeysMatchDocumentedExamples) {
  const KeyHasher h = KeyHasher::Public();
  EXPECT_FALSE(h.user_ids_pseudonymized());
  EXPECT_EQ(h.UserKey("u12345"), 0x6aa366addc26f8c6ULL);
  EXPECT_EQ(h.ItemKey("u12345"), 0x5679e62c0ea4f87aULL);
  EXPECT_EQ(h.ItemKey("item42"), 0xd239d57c2a6c36bbULL);
  EXPECT_EQ(h.UserKey("alice@example.com"), 0x74e9b022357220c7ULL);
  EXPECT_EQ(h.ItemKey("caf\xc3\xa9"), 0x919856bb42b7e9a9ULL);  // "café"
  EXPECT_EQ(h.UserKey(""), 0x05a3b65f26a92722ULL);
  EXPECT_EQ(h.ItemKey("0123456789abcdef"), 0xa479dc53b66fcc8dULL);
  EXPECT_EQ(h.UserKey("item42"), 0x92e622fe09e46c58ULL);
  EXPECT_EQ(h.ItemKey("alice@example.com"), 0x3a069dc07d05fa49ULL);
  EXPECT_EQ(h.UserKey("caf\xc3\xa9"), 0xf6ff8b3b39215f3dULL);
  EXPECT_EQ(h.UserKey("0123456789abcdef"), 0x3b2b294013099ce1ULL);
  EXPECT_EQ(h.ItemKey(""), 0xf41952625783fbd2ULL);
}

TEST(KeyHasherTest, PublicKeysAreTheDocumentedAsciiStrings) {
  // "tailor.user.key1" as two little-endian words.
  const SipHashKey user{0x752e726f6c696174ULL, 0x3179656b2e726573ULL};
  const SipHashKey item{0x692e726f6c696174ULL, 0x3179656b2e6d6574ULL};
  const KeyHasher h = KeyHasher::Public();
  EXPECT_EQ(h.UserKey("x"), SipHash24(user, "x"));
  EXPECT_EQ(h.ItemKey("x"), SipHash24(item, "x"));
}

TEST(KeyHasherTest, NamespacesDiffer) {
  const KeyHasher h = KeyHasher::Public();
  for (const char* id : {"", "1", "u12345", "some longer identifier"}) {
    EXPECT_NE(h.UserKey(id), h.ItemKey(id)) << id;
  }
}

TEST(KeyHasherTest, SecretChangesUserKeysOnly) {
  TAILOR_ASSERT_OK_AND_ASSIGN(
      KeyHasher h,
      KeyHasher::WithUserSecret("000102030405060708090A0b0c0d0e0f"));
  EXPECT_TRUE(h.user_ids_pseudonymized());
  EXPECT_EQ(h.UserKey("u12345"), 0x292ff723c039332bULL);
  EXPECT_EQ(h.UserKey("u12345"), SipHash24(ReferenceKey(), "u12345"));
  EXPECT_NE(h.UserKey("u12345"), KeyHasher::Public().UserKey("u12345"));
  EXPECT_EQ(h.ItemKey("item42"), KeyHasher::Public().ItemKey("item42"));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      KeyHasher other,
      KeyHasher::WithUserSecret("ffeeddccbbaa99887766554433221100"));
  EXPECT_NE(other.UserKey("u12345"), h.UserKey("u12345"));
}

TEST(KeyHasherTest, BadSecretsAreInvalidArgumentsThatDoNotEchoTheSecret) {
  EXPECT_THAT(KeyHasher::WithUserSecret(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("32 hex digits (a 128-bit key), got 0")));
  EXPECT_THAT(KeyHasher::WithUserSecret("0011"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("got 4 characters")));
  EXPECT_THAT(
      KeyHasher::WithUserSecret("000102030405060708090a0b0c0d0e0f00"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 34")));
  const std::string secret = "000102030405060708090a0b0c0d0eXY";
  auto bad = KeyHasher::WithUserSecret(secret);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr("character 30 is not a hex digit")));
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr(secret)));
  EXPECT_THAT(
      KeyHasher::WithUserSecret("0g0102030405060708090a0b0c0d0e0f"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("character 1 ")));
}

}  // namespace
}  // namespace tailor
