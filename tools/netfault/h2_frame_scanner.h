#ifndef TAILOR_TOOLS_NETFAULT_H2_FRAME_SCANNER_H_
#define TAILOR_TOOLS_NETFAULT_H2_FRAME_SCANNER_H_

// H2FrameScanner follows the frame boundaries of the server-to-client byte
// stream of an HTTP/2 connection (RFC 9113 section 4.1: a 9-byte header,
// 24-bit length, type, flags, stream id, then the payload; the server sends
// no preface) and finds where the frames that end a stream begin: HEADERS
// (type 0x1) with the END_STREAM flag (0x1), i.e. gRPC trailers. Plaintext
// only; bytes of anything else are scanned as garbage. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace tailor {
namespace netfault {

class H2FrameScanner {
 public:
  // Consumes the next bytes of the stream; returns the offsets (into
  // `bytes`) at which a HEADERS frame with END_STREAM starts, in order. A
  // frame whose header spans two calls is reported in the call that
  // completes the header, at offset 0 (the header began earlier).
  std::vector<size_t> Feed(absl::string_view bytes);
  int64_t frames_seen() const { return frames_; }

 private:
  unsigned char header_[9] = {};
  size_t header_bytes_ = 0;    // bytes of the current header seen
  uint64_t payload_left_ = 0;  // payload bytes still to skip
  int64_t frames_ = 0;
};

}  // namespace netfault
}  // namespace tailor

#endif  // TAILOR_TOOLS_NETFAULT_H2_FRAME_SCANNER_H_
