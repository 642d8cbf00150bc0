#include "tools/ingest/input_stream.h"

#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

constexpr size_t kCompressedBufferBytes = 1 << 20;

// Reads the raw file, with `prefix` (bytes already read for detection)
// served first.
class RawStream final : public ByteStream {
 public:
  RawStream(std::unique_ptr<ReadableFile> file, std::string prefix)
      : file_(std::move(file)), prefix_(std::move(prefix)) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    if (prefix_pos_ < prefix_.size()) {
      const size_t k = std::min(n, prefix_.size() - prefix_pos_);
      std::memcpy(buffer, prefix_.data() + prefix_pos_, k);
      prefix_pos_ += k;
      return k;
    }
    return file_->Read(n, buffer);
  }

 private:
  std::unique_ptr<ReadableFile> file_;
  std::string prefix_;
  size_t prefix_pos_ = 0;
};

class GzipStream final : public ByteStream {
 public:
  GzipStream(std::unique_ptr<ByteStream> raw, std::string path)
      : raw_(std::move(raw)),
        path_(std::move(path)),
        in_(kCompressedBufferBytes) {
    std::memset(&z_, 0, sizeof(z_));
    // 15 + 32: maximum window, detect gzip or zlib headers.
    init_ok_ = inflateInit2(&z_, 15 + 32) == Z_OK;
  }
  ~GzipStream() override { inflateEnd(&z_); }

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    if (!init_ok_) return absl::InternalError("inflateInit2 failed");
    if (done_ || n == 0) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(buffer);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0 && !input_eof_) {
        TAILOR_ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data(), in_.size()));
        if (got == 0) input_eof_ = true;
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      if (z_.avail_in == 0 && input_eof_) {
        if (in_member_) {
          return absl::DataLossError(
              absl::StrCat(path_,
                           ": truncated gzip stream (ends inside a "
                           "compressed member)"));
        }
        done_ = true;
        break;
      }
      in_member_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // Concatenated members are allowed (as `gzip -dc` does).
        in_member_ = false;
        inflateReset(&z_);
      } else if (rc == Z_BUF_ERROR) {
        if (z_.avail_in != 0) break;  // output full
      } else if (rc != Z_OK) {
        return absl::DataLossError(absl::StrCat(
            path_, ": corrupt gzip stream: ", z_.msg ? z_.msg : "error ", rc));
      }
    }
    return n - z_.avail_out;
  }

 private:
  std::unique_ptr<ByteStream> raw_;
  std::string path_;
  std::vector<char> in_;
  z_stream z_;
  bool init_ok_ = false;
  bool input_eof_ = false;
  bool in_member_ = false;
  bool done_ = false;
};

class XzStream final : public ByteStream {
 public:
  XzStream(std::unique_ptr<ByteStream> raw, std::string path)
      : raw_(std::move(raw)),
        path_(std::move(path)),
        in_(kCompressedBufferBytes) {
    init_ok_ =
        lzma_stream_decoder(&s_, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
  }
  ~XzStream() override { lzma_end(&s_); }

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    if (!init_ok_) return absl::InternalError("lzma_stream_decoder failed");
    if (done_ || n == 0) return 0;
    s_.next_out = reinterpret_cast<uint8_t*>(buffer);
    s_.avail_out = n;
    while (s_.avail_out > 0) {
      if (s_.avail_in == 0 && !input_eof_) {
        TAILOR_ASSIGN_OR_RETURN(size_t got, raw_->Read(in_.data(), in_.size()));
        if (got == 0) input_eof_ = true;
        s_.next_in = reinterpret_cast<const uint8_t*>(in_.data());
        s_.avail_in = got;
      }
      const lzma_ret rc = lzma_code(&s_, input_eof_ ? LZMA_FINISH : LZMA_RUN);
      if (rc == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (rc == LZMA_BUF_ERROR && input_eof_) {
        return absl::DataLossError(
            absl::StrCat(path_, ": truncated xz stream"));
      }
      if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
        return absl::DataLossError(
            absl::StrCat(path_, ": corrupt xz stream (liblzma error ",
                         static_cast<int>(rc), ")"));
      }
    }
    return n - s_.avail_out;
  }

 private:
  std::unique_ptr<ByteStream> raw_;
  std::string path_;
  std::vector<char> in_;
  lzma_stream s_ = LZMA_STREAM_INIT;
  bool init_ok_ = false;
  bool input_eof_ = false;
  bool done_ = false;
};

}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kXz:
      return "xz";
  }
  return "none";
}

absl::StatusOr<OpenedInput> OpenInputStream(FileSystem* fs,
                                            const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<ReadableFile> file,
                          fs->NewReadableFile(path));
  // Read up to 6 bytes for the magic numbers.
  std::string prefix(6, '\0');
  size_t have = 0;
  while (have < prefix.size()) {
    TAILOR_ASSIGN_OR_RETURN(size_t got,
                            file->Read(prefix.size() - have, &prefix[have]));
    if (got == 0) break;
    have += got;
  }
  prefix.resize(have);
  OpenedInput out;
  if (have >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
      static_cast<unsigned char>(prefix[1]) == 0x8b) {
    out.compression = Compression::kGzip;
  } else if (have >= 6 && std::memcmp(prefix.data(),
                                      "\xfd"
                                      "7zXZ\0",
                                      6) == 0) {
    out.compression = Compression::kXz;
  }
  auto raw = std::make_unique<RawStream>(std::move(file), std::move(prefix));
  switch (out.compression) {
    case Compression::kGzip:
      out.stream = std::make_unique<GzipStream>(std::move(raw), path);
      break;
    case Compression::kXz:
      out.stream = std::make_unique<XzStream>(std::move(raw), path);
      break;
    case Compression::kNone:
      out.stream = std::move(raw);
      break;
  }
  return out;
}

}  // namespace tailor
