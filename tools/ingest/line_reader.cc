#include "tools/ingest/line_reader.h"

#include <algorithm>
#include <cstring>

#include "core/status_macros.h"

namespace tailor {

LineReader::LineReader(std::unique_ptr<ByteStream> stream,
                       LineReaderOptions options)
    : stream_(std::move(stream)), options_(options) {
  buffer_.resize(std::max(options_.buffer_bytes, options_.max_line_bytes + 2));
}

absl::Status LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < buffer_.size() && !eof_) {
    TAILOR_ASSIGN_OR_RETURN(size_t got, stream_->Read(buffer_.data() + end_,
                                                      buffer_.size() - end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
  if (at_start_ && end_ >= 3 &&
      std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) {
    begin_ = 3;
  }
  if (at_start_ && (end_ >= 3 || eof_)) at_start_ = false;
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(LineChunk* chunk) {
  for (;;) {
    TAILOR_RETURN_IF_ERROR(Fill());
    char* const base = buffer_.data();
    if (skipping_) {
      const char* nl =
          static_cast<const char*>(memchr(base + begin_, '\n', end_ - begin_));
      if (nl == nullptr) {
        begin_ = end_;
        if (eof_) return false;
        continue;
      }
      begin_ = static_cast<size_t>(nl - base) + 1;
      skipping_ = false;
      continue;
    }
    if (begin_ == end_) return false;  // eof_ must be set: Fill filled all.
    const char* last_nl =
        static_cast<const char*>(memrchr(base + begin_, '\n', end_ - begin_));
    if (last_nl != nullptr) {
      const size_t stop = static_cast<size_t>(last_nl - base) + 1;
      chunk->text = absl::string_view(base + begin_, stop - begin_);
      chunk->overlong = false;
      begin_ = stop;
      return true;
    }
    if (eof_) {  // final line without '\n'
      chunk->text = absl::string_view(base + begin_, end_ - begin_);
      chunk->overlong = false;
      begin_ = end_;
      return true;
    }
    // A full buffer without a line end: longer than max_line_bytes.
    chunk->text = absl::string_view(
        base + begin_, std::min(end_ - begin_, options_.max_line_bytes + 1));
    chunk->overlong = true;
    skipping_ = true;
    begin_ = end_;
    return true;
  }
}

}  // namespace tailor
