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

}  // namespace
}  // namespace tailor
