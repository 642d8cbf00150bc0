#include "core/format/aligned_buffer.h"

#include <cstdint>
#include <new>

// Under AddressSanitizer every block comes from operator new, so overflows
// past the requested size are still reported.
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#define TAILOR_ALIGNED_BUFFER_USE_MMAP 1
#include <sys/mman.h>
#endif

namespace tailor {
namespace {

#if defined(TAILOR_ALIGNED_BUFFER_USE_MMAP)
constexpr size_t kHugePageBytes = size_t{2} << 20;
constexpr size_t kMmapThresholdBytes = size_t{4} << 20;

// Maps `bytes` rounded up to whole huge pages at a 2 MiB aligned address: maps
// one huge page more than needed and unmaps the unaligned head and the tail.
void* MapHuge(size_t bytes) {
  const size_t length = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  void* raw = mmap(nullptr, length + kHugePageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned =
      (start + kHugePageBytes - 1) & ~uintptr_t{kHugePageBytes - 1};
  if (aligned != start) munmap(raw, aligned - start);
  const uintptr_t end = start + length + kHugePageBytes;
  if (end != aligned + length) {
    munmap(reinterpret_cast<void*>(aligned + length), end - (aligned + length));
  }
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, length, MADV_HUGEPAGE);  // advisory; failure is harmless
  return p;
}
#endif

}  // namespace

void* AllocateAligned(size_t bytes) {
#if defined(TAILOR_ALIGNED_BUFFER_USE_MMAP)
  if (bytes >= kMmapThresholdBytes) {
    void* p = MapHuge(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
#endif
  return ::operator new(bytes, std::align_val_t(kCacheLineBytes));
}

void FreeAligned(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
#if defined(TAILOR_ALIGNED_BUFFER_USE_MMAP)
  if (bytes >= kMmapThresholdBytes) {
    munmap(p, (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1));
    return;
  }
#endif
  ::operator delete(p, std::align_val_t(kCacheLineBytes));
}

}  // namespace tailor
