#ifndef TAILOR_TOOLS_INGEST_LINE_READER_H_
#define TAILOR_TOOLS_INGEST_LINE_READER_H_

// Splits a ByteStream into large chunks of complete lines, so callers can
// tokenize straight out of one big buffer without copying each line.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/ingest/input_stream.h"

namespace tailor {

struct LineReaderOptions {
  // Bytes per refill; a chunk holds at most about this much. Default 4 MiB.
  size_t buffer_bytes = 4 << 20;
  // Lines longer than this (without the line end) are "over-long".
  size_t max_line_bytes = 1 << 20;
  // Alternate between two buffers, so that a chunk stays valid until the
  // second call of Next after the one that returned it (a pipeline can
  // read the next chunk while the previous one is still in use).
  bool double_buffer = false;
};

// One piece of input: either complete lines (each ending in '\n', except
// possibly the very last line of the input), or, when `overlong` is set,
// the first max_line_bytes + 1 bytes of one line that is too long (the rest
// of that line is skipped). A leading UTF-8 byte-order mark is removed.
struct LineChunk {
  absl::string_view text;
  bool overlong = false;
};

// Not thread-safe. The chunk returned by Next stays valid until the next
// call (with double_buffer, until the call after that).
class LineReader {
 public:
  LineReader(std::unique_ptr<ByteStream> stream, LineReaderOptions options);

  // Fills `chunk` with the next piece; returns false at the end of input.
  // Errors come from the stream (e.g. a truncated gzip file).
  absl::StatusOr<bool> Next(LineChunk* chunk);

 private:
  absl::Status Fill();

  std::unique_ptr<ByteStream> stream_;
  LineReaderOptions options_;
  std::vector<char> buffers_[2];
  int current_ = 0;          // the buffer being filled and handed out
  bool handed_out_ = false;  // the last Next returned a chunk of current_
  size_t begin_ = 0;         // first unconsumed byte
  size_t end_ = 0;           // one past the last buffered byte
  bool eof_ = false;
  bool at_start_ = true;
  bool skipping_ = false;  // inside the rest of an over-long line
};

// Calls fn(line) for each line of a chunk of complete lines, without the
// '\n' and without a '\r' right before it.
template <typename Fn>
void ForEachLine(absl::string_view text, Fn&& fn);

// Implementation.
template <typename Fn>
void ForEachLine(absl::string_view text, Fn&& fn) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* nl =
        static_cast<const char*>(memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = nl == nullptr ? end : nl;
    const char* stop = line_end;
    if (stop > p && stop[-1] == '\r') --stop;
    fn(absl::string_view(p, static_cast<size_t>(stop - p)));
    p = nl == nullptr ? end : nl + 1;
  }
}

}  // namespace tailor

#endif  // TAILOR_TOOLS_INGEST_LINE_READER_H_
