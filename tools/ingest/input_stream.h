#ifndef TAILOR_TOOLS_INGEST_INPUT_STREAM_H_
#define TAILOR_TOOLS_INGEST_INPUT_STREAM_H_

// Byte streams over input files that may be plain, gzip (zlib) or xz
// (liblzma) compressed. The compression is detected from the first bytes of
// the file, never from its name.

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"

namespace tailor {

enum class Compression { kNone, kGzip, kXz };

// "none", "gzip" or "xz".
const char* CompressionName(Compression c);

// A sequential stream of decompressed bytes. Not thread-safe.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to `n` bytes into `buffer`; returns the count, 0 at the end.
  // A truncated or corrupt compressed stream is DATA_LOSS naming the file.
  virtual absl::StatusOr<size_t> Read(char* buffer, size_t n) = 0;
};

struct OpenedInput {
  std::unique_ptr<ByteStream> stream;
  Compression compression = Compression::kNone;
};

// Opens `path` on `fs` and detects its compression from its magic bytes
// (1f 8b: gzip; fd 37 7a 58 5a 00: xz). NOT_FOUND when it does not exist.
absl::StatusOr<OpenedInput> OpenInputStream(FileSystem* fs,
                                            const std::string& path);

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_INPUT_STREAM_H_
