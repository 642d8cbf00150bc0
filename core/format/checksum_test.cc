#include "core/format/checksum.h"

#include <cstdint>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace tailor {
namespace {

// Bit-at-a-time reference straight from the definition.
uint32_t BitwiseCrc32c(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) {
      crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
  }
  return ~crc;
}

std::string RandomBytes(size_t n, std::mt19937_64& rng) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(Crc32cTest, StandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32cPortable("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, EmptyIsZeroAndKeepsState) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("", 0x12345678u), 0x12345678u);
}

TEST(Crc32cTest, KnownVectorsFromRfc3720) {
  // iSCSI test vectors: 32 bytes of zeros, of 0xFF, and ascending 0..31.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32cTest, MatchesBitwiseReferenceOnRandomData) {
  std::mt19937_64 rng(42);
  // Lengths around every block boundary of the three-stream code.
  for (size_t n :
       {0, 1, 7, 8, 9, 63, 64, 255, 256, 767, 768, 769, 1000, 3 * 8192 - 1,
        3 * 8192, 3 * 8192 + 1, 3 * 8192 + 3 * 256 + 5, 100000}) {
    const std::string data = RandomBytes(n, rng);
    const uint32_t expected = BitwiseCrc32c(data);
    EXPECT_EQ(Crc32c(data), expected) << "n=" << n;
    EXPECT_EQ(internal::Crc32cPortable(data), expected) << "n=" << n;
    // Unaligned starts.
    for (size_t offset = 1; offset < 8 && offset <= n; ++offset) {
      absl::string_view tail(data.data() + offset, n - offset);
      EXPECT_EQ(Crc32c(tail), BitwiseCrc32c(std::string(tail)))
          << "n=" << n << " offset=" << offset;
    }
  }
}

TEST(Crc32cTest, ExtendsAcrossSplits) {
  std::mt19937_64 rng(7);
  const std::string data = RandomBytes(70000, rng);
  const uint32_t whole = Crc32c(data);
  for (size_t split : {0, 1, 13, 4096, 24576, 50001, 70000}) {
    absl::string_view a(data.data(), split);
    absl::string_view b(data.data() + split, data.size() - split);
    EXPECT_EQ(Crc32c(b, Crc32c(a)), whole) << "split=" << split;
    EXPECT_EQ(Crc32cCombine(Crc32c(a), Crc32c(b), b.size()), whole)
        << "split=" << split;
  }
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::mt19937_64 rng(3);
  std::string data = RandomBytes(1500, rng);
  const uint32_t original = Crc32c(data);
  for (size_t i = 0; i < data.size(); i += 37) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] ^= static_cast<char>(1 << bit);
      EXPECT_NE(Crc32c(data), original);
      data[i] ^= static_cast<char>(1 << bit);
    }
  }
}

}  // namespace
}  // namespace tailor
