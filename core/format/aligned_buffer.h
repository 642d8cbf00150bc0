#ifndef TAILOR_CORE_FORMAT_ALIGNED_BUFFER_H_
#define TAILOR_CORE_FORMAT_ALIGNED_BUFFER_H_

// 64-byte aligned memory: an allocator for std::vector (so SIMD kernels may
// use aligned loads) and an owned, uninitialized byte buffer (whole files
// read for FormatReader). Plain value types; not synchronized.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include "absl/strings/string_view.h"

namespace tailor {

inline constexpr size_t kCacheLineBytes = 64;

// Returns `bytes` of uninitialized memory aligned to 64 bytes (never null;
// aborts like operator new when memory is exhausted). Blocks of 4 MiB and
// more come from mmap, 2 MiB aligned and advised to use transparent huge
// pages, so filling a fresh multi-megabyte buffer costs few page faults.
void* AllocateAligned(size_t bytes);
// Frees memory from AllocateAligned; `bytes` must be the size requested.
void FreeAligned(void* p, size_t bytes) noexcept;

// std::allocator with `Alignment`-byte aligned storage. Stateless; all
// instances compare equal.
template <typename T, size_t Alignment = kCacheLineBytes>
class AlignedAllocator {
 public:
  static_assert(Alignment >= alignof(T) && Alignment <= kCacheLineBytes &&
                    (Alignment & (Alignment - 1)) == 0,
                "Alignment must be a power of two in [alignof(T), 64]");
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Alignment>;
  };

  AlignedAllocator() noexcept = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Alignment>&) noexcept {}

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) {
      throw std::bad_array_new_length();
    }
    return static_cast<T*>(AllocateAligned(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { FreeAligned(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const AlignedAllocator<U, Alignment>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const AlignedAllocator<U, Alignment>&) const noexcept {
    return false;
  }
};

// An owned, 64-byte aligned, uninitialized block of bytes. Movable, not
// copyable.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size_bytes)
      : data_(size_bytes == 0
                  ? nullptr
                  : static_cast<char*>(AllocateAligned(size_bytes))),
        size_(size_bytes) {}
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      Free();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { Free(); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  absl::string_view view() const { return absl::string_view(data_, size_); }

 private:
  void Free() {
    if (data_ != nullptr) FreeAligned(data_, size_);
  }
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_ALIGNED_BUFFER_H_
