#include "tools/ingest/test_util.h"

#include <lzma.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace tailor {

std::string GzipCompress(absl::string_view data) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::vector<char> out(deflateBound(&z, data.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  const size_t n = out.size() - z.avail_out;
  deflateEnd(&z);
  return std::string(out.data(), n);
}

std::string XzCompress(absl::string_view data) {
  std::vector<uint8_t> out(lzma_stream_buffer_bound(data.size()));
  size_t pos = 0;
  lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                          reinterpret_cast<const uint8_t*>(data.data()),
                          data.size(), out.data(), &pos, out.size());
  return std::string(reinterpret_cast<const char*>(out.data()), pos);
}

}  // namespace tailor
