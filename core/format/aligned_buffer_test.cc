#include "core/format/aligned_buffer.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tailor {
namespace {

bool IsAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kCacheLineBytes == 0;
}

TEST(AlignedAllocatorTest, VectorStorageIsAlignedAfterGrowth) {
  std::vector<float, AlignedAllocator<float>> v;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(static_cast<float>(i));
    ASSERT_TRUE(IsAligned(v.data()));
  }
  EXPECT_EQ(v[999], 999.0f);
  std::vector<float, AlignedAllocator<float>> zeros(17);
  EXPECT_TRUE(IsAligned(zeros.data()));
  for (float x : zeros) EXPECT_EQ(x, 0.0f);
}

TEST(AlignedBufferTest, AlignedAndMovable) {
  AlignedBuffer a(100);
  EXPECT_TRUE(IsAligned(a.data()));
  EXPECT_EQ(a.size(), 100u);
  a.data()[99] = 'x';
  AlignedBuffer b = std::move(a);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.view().size(), 100u);
  EXPECT_EQ(b.data()[99], 'x');
  AlignedBuffer empty(0);
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_TRUE(empty.view().empty());
}

TEST(AlignedBufferTest, LargeBuffersAreUsableEndToEnd) {
  // Sizes around the mmap threshold, including ones that are not a whole
  // number of pages.
  for (size_t size : {size_t{4} << 20, (size_t{4} << 20) - 1,
                      (size_t{6} << 20) + 123, size_t{64} << 20}) {
    AlignedBuffer b(size);
    ASSERT_TRUE(IsAligned(b.data()));
    for (size_t i = 0; i < size; i += 4096) b.data()[i] = static_cast<char>(i);
    b.data()[size - 1] = 'z';
    EXPECT_EQ(b.data()[size - 1], 'z');
    EXPECT_EQ(b.data()[4096], static_cast<char>(4096));
  }
  std::vector<double, AlignedAllocator<double>> big(size_t{1} << 20, 1.5);
  EXPECT_TRUE(IsAligned(big.data()));
  big.push_back(2.5);  // reallocates from one mapping to another
  EXPECT_EQ(big[0], 1.5);
  EXPECT_EQ(big.back(), 2.5);
}

}  // namespace
}  // namespace tailor
