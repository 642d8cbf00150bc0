#include "core/format/format.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "core/file_system.h"
#include "core/format/checksum.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

constexpr char kPath[] = "/t/file.bin";

AlignedBuffer ToAligned(const std::string& bytes) {
  AlignedBuffer buffer(bytes.size());
  if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
  return buffer;
}

absl::Status OpenStatus(const std::string& bytes,
                        const FileType& type = kSparseBlockFileType) {
  AlignedBuffer buffer = ToAligned(bytes);
  return FormatReader::Open(buffer.view(), kPath, type).status();
}

void PutU32(std::string& s, size_t offset, uint32_t v) {
  std::memcpy(&s[offset], &v, 4);
}
void PutU64(std::string& s, size_t offset, uint64_t v) {
  std::memcpy(&s[offset], &v, 8);
}
uint32_t GetU32(const std::string& s, size_t offset) {
  uint32_t v;
  std::memcpy(&v, &s[offset], 4);
  return v;
}
// Recomputes the CRC of the 64-byte header at `offset`.
void Reseal(std::string& s, size_t offset) {
  PutU32(s, offset + 60, Crc32c(absl::string_view(&s[offset], 60)));
}

class FormatTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fs_->CreateDirs("/t").ok()); }

  // A file of three sections: 5 uint32, 0 int64, 20 float32.
  std::string SmallFile() {
    FormatWriter writer(kSparseBlockFileType);
    writer.AddSection<uint32_t>(1, "ints", absl::MakeConstSpan(ints_));
    writer.AddSection<int64_t>(2, "empty", {});
    writer.AddSection<float>(3, "floats", absl::MakeConstSpan(floats_));
    const absl::Status written = writer.WriteFile(fs_.get(), kPath);
    EXPECT_TRUE(written.ok()) << written;
    EXPECT_EQ(writer.FileBytes(), 64u + (64 + 64) + 64 + (64 + 128));
    return ReadFileToString(fs_.get(), kPath).value();
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  std::vector<uint32_t> ints_ = {1, 2, 3, 4, 0xFFFFFFFFu};
  std::vector<float> floats_ = std::vector<float>(20, 2.5f);
};

TEST_F(FormatTest, RoundTripsSectionsAligned) {
  SmallFile();
  auto buffer = ReadFileAligned(fs_.get(), kPath);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_EQ(buffer->size() % kFormatAlignment, 0u);
  auto reader = FormatReader::Open(buffer->view(), kPath, kSparseBlockFileType);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->version(), kFormatVersion);
  ASSERT_EQ(reader->sections().size(), 3u);
  for (const SectionView& s : reader->sections()) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s.bytes.data()) % 64, 0u) << s.name;
  }
  auto ints = reader->Array<uint32_t>(1, "ints");
  ASSERT_TRUE(ints.ok());
  EXPECT_EQ(std::vector<uint32_t>(ints->begin(), ints->end()), ints_);
  auto empty = reader->Array<int64_t>(2, "empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto floats = reader->Array<float>(3, "floats");
  ASSERT_TRUE(floats.ok());
  EXPECT_EQ(std::vector<float>(floats->begin(), floats->end()), floats_);
  EXPECT_EQ(reader->sections()[2].name, "floats");
}

TEST_F(FormatTest, HeaderBytesFollowTheDocumentedLayout) {
  const std::string f = SmallFile();
  EXPECT_EQ(f.substr(0, 8), "TLRBLK01");
  EXPECT_EQ(GetU32(f, 8), 1u);   // version
  EXPECT_EQ(GetU32(f, 12), 1u);  // kind
  uint64_t payload;
  std::memcpy(&payload, &f[16], 8);
  EXPECT_EQ(payload, f.size() - 64);
  EXPECT_EQ(GetU32(f, 24), 3u);  // sections
  EXPECT_EQ(GetU32(f, 60), Crc32c(absl::string_view(f.data(), 60)));
  // First section header at 64, its data at 128.
  EXPECT_EQ(std::string(&f[64], 4), "ints");
  EXPECT_EQ(GetU32(f, 64 + 16), 1u);  // id
  EXPECT_EQ(GetU32(f, 64 + 20), static_cast<uint32_t>(ElementType::kUint32));
  EXPECT_EQ(GetU32(f, 64 + 24), 4u);  // element size
  EXPECT_EQ(GetU32(f, 64 + 32), 5u);  // count (low half)
  EXPECT_EQ(GetU32(f, 64 + 40), Crc32c(absl::string_view(&f[128], 64)));
  EXPECT_EQ(GetU32(f, 128 + 16), 0xFFFFFFFFu);
}

TEST_F(FormatTest, MissingSectionAndWrongTypeAreErrors) {
  SmallFile();
  auto buffer = ReadFileAligned(fs_.get(), kPath).value();
  auto reader =
      FormatReader::Open(buffer.view(), kPath, kSparseBlockFileType).value();
  auto missing = reader.Array<float>(9, "values");
  EXPECT_EQ(missing.status().message(),
            "/t/file.bin: missing section 'values' (id 9)");
  auto wrong = reader.Array<float>(1, "ints");
  EXPECT_EQ(wrong.status().message(),
            "/t/file.bin: section 'ints' (id 1) has element type uint32, "
            "expected float32");
}

TEST_F(FormatTest, DistinctMessagesForDistinctProblems) {
  const std::string f = SmallFile();
  absl::Status s = OpenStatus("");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(s.message(),
            "/t/file.bin: empty file, expected a Tailor sparse block");

  s = OpenStatus(f.substr(0, 40));
  EXPECT_EQ(s.message(),
            "/t/file.bin: truncated: 40 bytes, shorter than the 64-byte file "
            "header");

  s = OpenStatus(f.substr(0, f.size() - 64));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(s.message(), "truncated: header declares"))
      << s;

  s = OpenStatus(f + std::string(64, '\0'));
  EXPECT_TRUE(absl::StrContains(s.message(), "64 unexpected bytes after")) << s;

  s = OpenStatus(f, kFactorTableFileType);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "/t/file.bin: is a Tailor sparse block file, expected a factor "
            "table (magic \"TLRFAC01\")");

  std::string garbage = f;
  garbage.replace(0, 8, "PK\x03\x04zipx");
  s = OpenStatus(garbage);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "not a Tailor sparse block file"))
      << s;

  std::string future = f;
  PutU32(future, 8, 2);
  Reseal(future, 0);
  s = OpenStatus(future);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "/t/file.bin: unsupported format version 2 (this build reads "
            "version 1)");

  std::string bad_header = f;
  bad_header[9] ^= 1;
  s = OpenStatus(bad_header);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(
      s.message(), "/t/file.bin: file header checksum mismatch (stored 0x"))
      << s;

  std::string bad_data = f;
  bad_data[128 + 5] ^= 0x40;
  s = OpenStatus(bad_data);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(
      s.message(), "/t/file.bin: section 'ints' checksum mismatch (stored 0x"))
      << s;
}

TEST_F(FormatTest, HostileSizesAreRejectedBeforeAllocation) {
  const std::string f = SmallFile();
  std::string many = f;
  PutU32(many, 24, 0xFFFFFFFFu);  // section count
  Reseal(many, 0);
  absl::Status s = OpenStatus(many);
  EXPECT_TRUE(absl::StrContains(s.message(), "more than fit")) << s;

  for (uint64_t count : {uint64_t{1} << 40, uint64_t{1} << 62, ~uint64_t{0}}) {
    std::string huge = f;
    PutU64(huge, 64 + 32, count);  // element count of 'ints'
    Reseal(huge, 64);
    s = OpenStatus(huge);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(s.message(), "section 'ints' declares")) << s;
  }
}

TEST_F(FormatTest, EveryByteFlipIsDetected) {
  const std::string f = SmallFile();
  for (size_t i = 0; i < f.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string corrupt = f;
      corrupt[i] ^= static_cast<char>(mask);
      EXPECT_FALSE(OpenStatus(corrupt).ok())
          << "byte " << i << " mask " << int{mask};
    }
  }
}

TEST_F(FormatTest, EveryTruncationIsDetected) {
  const std::string f = SmallFile();
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_FALSE(OpenStatus(f.substr(0, n)).ok()) << "length " << n;
  }
}

TEST_F(FormatTest, RandomGarbageIsRejected) {
  std::mt19937_64 rng(1234);
  const std::string f = SmallFile();
  for (int trial = 0; trial < 500; ++trial) {
    std::string g(rng() % 600, '\0');
    for (char& c : g) c = static_cast<char>(rng());
    // Half the trials keep a valid header prefix to reach deeper checks.
    if (trial % 2 == 1 && g.size() >= 64) g.replace(0, 64, f.substr(0, 64));
    EXPECT_FALSE(OpenStatus(g).ok()) << "trial " << trial;
  }
}

TEST_F(FormatTest, UnalignedBufferIsAnError) {
  const std::string f = SmallFile();
  AlignedBuffer buffer(f.size() + 1);
  std::memcpy(buffer.data() + 1, f.data(), f.size());
  absl::Status s =
      FormatReader::Open(absl::string_view(buffer.data() + 1, f.size()), kPath,
                         kSparseBlockFileType)
          .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "not 64-byte aligned")) << s;
}

TEST_F(FormatTest, ReadFileAlignedReportsMissingFile) {
  auto missing = ReadFileAligned(fs_.get(), "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "/nope"));
}

TEST(ElementTypeTest, SizesAndNames) {
  EXPECT_EQ(ElementSize(ElementType::kUint8), 1u);
  EXPECT_EQ(ElementSize(ElementType::kFloat32), 4u);
  EXPECT_EQ(ElementSize(ElementType::kUint64), 8u);
  EXPECT_EQ(ElementSize(static_cast<ElementType>(99)), 0u);
  EXPECT_EQ(ElementTypeName(ElementType::kInt64), "int64");
  static_assert(ElementTypeOf<double>() == ElementType::kFloat64);
}

}  // namespace
}  // namespace tailor
