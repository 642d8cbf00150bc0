#include "tools/netfault/h2_frame_scanner.h"

#include <algorithm>

namespace tailor {
namespace netfault {

std::vector<size_t> H2FrameScanner::Feed(absl::string_view bytes) {
  std::vector<size_t> ends;
  size_t i = 0;
  while (i < bytes.size()) {
    if (payload_left_ > 0) {
      const uint64_t skip = std::min<uint64_t>(payload_left_, bytes.size() - i);
      payload_left_ -= skip;
      i += skip;
      continue;
    }
    const size_t header_start = i;
    const bool started_here = header_bytes_ == 0;
    while (header_bytes_ < sizeof(header_) && i < bytes.size()) {
      header_[header_bytes_++] = static_cast<unsigned char>(bytes[i++]);
    }
    if (header_bytes_ < sizeof(header_)) break;
    header_bytes_ = 0;
    ++frames_;
    payload_left_ = (uint64_t{header_[0]} << 16) | (uint64_t{header_[1]} << 8) |
                    uint64_t{header_[2]};
    const unsigned char type = header_[3];
    const unsigned char flags = header_[4];
    if (type == 0x1 && (flags & 0x1) != 0) {
      ends.push_back(started_here ? header_start : 0);
    }
  }
  return ends;
}

}  // namespace netfault
}  // namespace tailor
