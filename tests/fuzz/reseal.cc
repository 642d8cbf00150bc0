#include "tests/fuzz/reseal.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "core/format/checksum.h"

namespace tailor {
namespace {

constexpr size_t kUnit = 64;

uint32_t Load32(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, sizeof(v));
  return v;
}
uint64_t Load64(const std::string& b, size_t at) {
  uint64_t v;
  std::memcpy(&v, b.data() + at, sizeof(v));
  return v;
}
void Store32(std::string* b, size_t at, uint32_t v) {
  std::memcpy(b->data() + at, &v, sizeof(v));
}
uint32_t Crc(const std::string& b, size_t at, size_t n) {
  return Crc32c(absl::string_view(b.data() + at, n));
}

}  // namespace

void ResealContainer(std::string* bytes) {
  std::string& b = *bytes;
  if (b.size() < kUnit) return;
  const uint32_t sections = Load32(b, 24);
  size_t offset = kUnit;
  for (uint32_t s = 0; s < sections && b.size() - offset >= kUnit; ++s) {
    const uint32_t element_size = Load32(b, offset + 24);
    const uint64_t count = Load64(b, offset + 32);
    const size_t data_start = offset + kUnit;
    const size_t available = b.size() - data_start;
    size_t padded = available;
    if (element_size != 0 && count <= available / element_size) {
      const size_t data = static_cast<size_t>(count) * element_size;
      padded = (data + kUnit - 1) / kUnit * kUnit;
      if (padded > available) padded = available;
    }
    Store32(&b, offset + 40, Crc(b, data_start, padded));
    Store32(&b, offset + 60, Crc(b, offset, 60));
    offset = data_start + padded;
  }
  Store32(&b, 60, Crc(b, 0, 60));
}

}  // namespace tailor
