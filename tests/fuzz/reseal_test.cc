#include "tests/fuzz/reseal.h"

#include <memory>
#include <string>

#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(ResealTest, DamagedPayloadPassesChecksumsAfterResealing) {
  auto fs = NewInMemoryFileSystem();
  FactorTable table(2, 2);
  table.keys() = {1, 5};
  ASSERT_TRUE(WriteFactorTable(fs.get(), "/t.tft", table).ok());
  std::string bytes = ReadFileToString(fs.get(), "/t.tft").value();
  const std::string original = bytes;
  ResealContainer(&bytes);
  EXPECT_EQ(bytes, original);  // a valid file is unchanged

  // Swap the keys so they are no longer ascending: the raw file fails its
  // checksum, the resealed one reaches the structural check.
  const size_t at = bytes.find(std::string("\x01\0\0\0\0\0\0\0", 8));
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 9;
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/raw.tft", bytes).ok());
  absl::Status raw = ReadFactorTable(fs.get(), "/raw.tft").status();
  EXPECT_NE(raw.message().find("checksum"), absl::string_view::npos) << raw;
  ResealContainer(&bytes);
  ASSERT_TRUE(WriteStringToFile(fs.get(), "/sealed.tft", bytes).ok());
  absl::Status sealed = ReadFactorTable(fs.get(), "/sealed.tft").status();
  EXPECT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.message().find("checksum"), absl::string_view::npos)
      << sealed;
}

TEST(ResealTest, NeverReadsOutsideShortOrLyingInputs) {
  for (size_t n : {0, 1, 63, 64, 65, 127, 128, 200}) {
    std::string bytes(n, '\xff');
    ResealContainer(&bytes);
    EXPECT_EQ(bytes.size(), n);
  }
}

}  // namespace
}  // namespace tailor
