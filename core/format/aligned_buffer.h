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
#include <utility>

#include "absl/strings/string_view.h"

namespace tailor {

inline constexpr size_t kCacheLineBytes = 64;

// std::allocator with `Alignment`-byte aligned storage. Stateless; all
// instances compare equal.
template <typename T, size_t Alignment = kCacheLineBytes>
class AlignedAllocator {
 public:
  static_assert(Alignment >= alignof(T) && (Alignment & (Alignment - 1)) == 0,
                "Alignment must be a power of two >= alignof(T)");
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
    return static_cast<T*>(
        ::operator new(n * sizeof(T), std::align_val_t(Alignment)));
  }
  void deallocate(T* p, size_t) noexcept {
    ::operator delete(p, std::align_val_t(Alignment));
  }
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
                  : static_cast<char*>(::operator new(
                        size_bytes, std::align_val_t(kCacheLineBytes)))),
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
    if (data_ != nullptr) {
      ::operator delete(data_, std::align_val_t(kCacheLineBytes));
    }
  }
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_ALIGNED_BUFFER_H_
