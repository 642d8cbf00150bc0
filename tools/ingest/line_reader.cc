#include "tools/ingest/line_reader.h"

#include <algorithm>
#include <cstring>

#include "core/status_macros.h"

namespace tailor {

LineReader::LineReader(std::unique_ptr<ByteStream> stream,
                       LineReaderOptions options)
    : stream_(std::move(stream)), options_(options) {
  const size_t size =
      std::max(options_.buffer_bytes, options_.max_line_bytes + 2);
  buffers_[0].resize(size);
  if (options_.double_buffer) buffers_[1].resize(size);
}

absl::Status LineReader::Fill() {
  if (begin_ > 0) {
    auto& buffer = buffers_[current_];
    std::memmove(buffer.data(), buffer.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  auto& buffer = buffers_[current_];
  while (end_ < buffer.size() && !eof_) {
    TAILOR_ASSIGN_OR_RETURN(
        size_t got, stream_->Read(buffer.data() + end_, buffer.size() - end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
  if (at_start_ && end_ >= 3 &&
      std::memcmp(buffer.data(), "\xEF\xBB\xBF", 3) == 0) {
    begin_ = 3;
  }
  if (at_start_ && (end_ >= 3 || eof_)) at_start_ = false;
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(LineChunk* chunk) {
  if (options_.double_buffer && handed_out_) {
    // The other buffer takes the unconsumed bytes; the one holding the last
    // chunk stays intact until the next call.
    const auto& from = buffers_[current_];
    current_ ^= 1;
    std::memcpy(buffers_[current_].data(), from.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  handed_out_ = false;
  for (;;) {
    TAILOR_RETURN_IF_ERROR(Fill());
    char* const base = buffers_[current_].data();
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
      handed_out_ = true;
      return true;
    }
    if (eof_) {  // final line without '\n'
      chunk->text = absl::string_view(base + begin_, end_ - begin_);
      chunk->overlong = false;
      begin_ = end_;
      handed_out_ = true;
      return true;
    }
    // A full buffer without a line end: longer than max_line_bytes.
    chunk->text = absl::string_view(
        base + begin_, std::min(end_ - begin_, options_.max_line_bytes + 1));
    chunk->overlong = true;
    skipping_ = true;
    begin_ = end_;
    handed_out_ = true;
    return true;
  }
}

}  // namespace tailor
