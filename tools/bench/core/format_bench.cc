// Throughput of the binary formats: CRC-32C, and writing/reading a
// 10^7-entry sparse block and a 10^6 x 64 factor table, in memory and on the
// POSIX file system. Prints one JSON object per line and measurement
// (tools/bench convention); the peaks are memcpy
// bandwidth (for CRC) and copying into fresh memory (for reads and writes).
//
//   bazel-bin/core/format/format_bench [scratch_dir (default /tmp)]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/file_system.h"
#include "core/format/checksum.h"
#include "core/format/factor_table.h"
#include "core/format/format.h"
#include "core/format/sparse_block.h"

namespace tailor {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Best of `reps` runs, in seconds of process CPU time (user + system), which
// is what a loaded, shared machine lets us measure reliably; the wall time
// of the same run goes to stderr.
double BestSeconds(int reps, const std::function<void()>& fn) {
  double best = 1e30;
  double best_wall = 1e30;
  for (int i = 0; i < reps; ++i) {
    const absl::Time start = absl::Now();
    const double cpu_start = CpuSeconds();
    fn();
    best = std::min(best, CpuSeconds() - cpu_start);
    best_wall = std::min(best_wall, absl::ToDoubleSeconds(absl::Now() - start));
  }
  std::fprintf(stderr, "  (best cpu %.4f s, best wall %.4f s)\n", best,
               best_wall);
  return best;
}

void Emit(const char* bench, const std::string& case_name, const char* metric,
          double value, const char* unit, double peak = 0) {
  std::printf(
      "{\"bench\": \"%s\", \"case\": \"%s\", \"metric\": \"%s\", \"value\": "
      "%.4g, \"unit\": \"%s\"",
      bench, case_name.c_str(), metric, value, unit);
  if (peak > 0) std::printf(", \"peak_share\": %.3f", value / peak);
  std::printf("}\n");
  std::fflush(stdout);
}

void Check(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "format_bench: %s\n",
                 std::string(s.message()).c_str());
    std::exit(1);
  }
}

SparseBlock MakeBlock(int64_t nnz, int64_t rows, int64_t cols) {
  std::mt19937_64 rng(1);
  SparseBlock b;
  b.matrix.rows = rows;
  b.matrix.cols = cols;
  b.matrix.indptr.resize(rows + 1);
  b.matrix.indices.resize(nnz);
  b.matrix.data.assign(nnz, 1.0f);
  b.timestamps.resize(nnz);
  b.amounts.resize(nnz);
  const int64_t per_row = nnz / rows;
  for (int64_t r = 0; r <= rows; ++r)
    b.matrix.indptr[r] = std::min(r * per_row, nnz);
  b.matrix.indptr[rows] = nnz;
  for (int64_t r = 0; r < rows; ++r) {
    uint32_t c = 0;
    for (int64_t k = b.matrix.indptr[r]; k < b.matrix.indptr[r + 1]; ++k) {
      c += static_cast<uint32_t>(rng() % 3);
      b.matrix.indices[k] = std::min<uint32_t>(c, cols - 1);
      b.timestamps[k] = 1600000000 + static_cast<int64_t>(k);
      b.amounts[k] = static_cast<float>(k % 1000) * 0.01f;
    }
  }
  return b;
}

void Run(const std::string& scratch) {
  uint32_t sink = 0;  // keeps results alive
  // Machine peak: memcpy of 256 MiB.
  const size_t kBytes = size_t{256} << 20;
  std::string src(kBytes, 'x'), dst(kBytes, 'y');
  for (size_t i = 0; i < kBytes; i += 4096) src[i] = static_cast<char>(i);
  const double memcpy_s =
      BestSeconds(5, [&] { std::memcpy(&dst[0], src.data(), kBytes); });
  const double memcpy_gbs = kBytes / memcpy_s / 1e9;
  Emit("machine", "memcpy_256MiB", "bandwidth", memcpy_gbs, "GB/s");
  // Copying into freshly allocated memory (page faults included): the floor
  // for any reader that returns new std::vectors.
  const double fresh_s = BestSeconds(5, [&] {
    std::vector<char> copy(src.begin(), src.end());
    sink ^= static_cast<uint32_t>(copy[12345]);
  });
  const double fresh_gbs = kBytes / fresh_s / 1e9;
  Emit("machine", "copy_to_fresh_vector_256MiB", "bandwidth", fresh_gbs,
       "GB/s");

  const double crc_s = BestSeconds(5, [&] { sink ^= Crc32c(src); });
  // CRC reads once; memcpy reads and writes, so compare with 2x its rate.
  Emit("format", "crc32c_256MiB", "throughput", kBytes / crc_s / 1e9, "GB/s",
       2 * memcpy_gbs);
  const double crc_small_s = BestSeconds(5, [&] {
    for (size_t off = 0; off + 4096 <= kBytes; off += 4096) {
      sink ^= Crc32c(absl::string_view(src.data() + off, 4096));
    }
  });
  Emit("format", "crc32c_4KiB_chunks", "throughput", kBytes / crc_small_s / 1e9,
       "GB/s", 2 * memcpy_gbs);
  // In cache: 64 KiB checksummed 4096 times (compute bound, not memory).
  const absl::string_view hot(src.data(), 64 << 10);
  const double crc_hot_s = BestSeconds(5, [&] {
    for (int i = 0; i < 4096; ++i) sink ^= Crc32c(hot, sink);
  });
  Emit("format", "crc32c_64KiB_in_cache", "throughput",
       4096.0 * hot.size() / crc_hot_s / 1e9, "GB/s");
  std::string().swap(src);
  std::string().swap(dst);

  const int64_t kNnz = 10'000'000;
  const SparseBlock block = MakeBlock(kNnz, 100'000, 50'000);
  // Reads and writes are compared with copying into fresh memory.
  const double peak = fresh_gbs;
  const double block_bytes = (kNnz * (4 + 4 + 8 + 4)) + 8.0 * 100'001;
  auto memfs = NewInMemoryFileSystem();
  Check(memfs->CreateDirs("/b"));
  struct Target {
    const char* name;
    FileSystem* fs;
    std::string path;
  };
  for (const Target& t :
       {Target{"memfs", memfs.get(), "/b/block"},
        Target{"posix", PosixFileSystem(),
               JoinPath(scratch, "format_bench_block.tlr")}}) {
    const double w =
        BestSeconds(3, [&] { Check(WriteSparseBlock(t.fs, t.path, block)); });
    Emit("format", std::string("sparse_block_1e7_write_") + t.name,
         "throughput", block_bytes / w / 1e9, "GB/s", peak);
    Emit("format", std::string("sparse_block_1e7_write_") + t.name, "time",
         w * 1e3, "ms");
    const double r = BestSeconds(3, [&] {
      auto read = ReadSparseBlock(t.fs, t.path);
      Check(read.status());
      sink ^= static_cast<uint32_t>(read->matrix.nnz());
    });
    Emit("format", std::string("sparse_block_1e7_read_") + t.name, "throughput",
         block_bytes / r / 1e9, "GB/s", peak);
    Emit("format", std::string("sparse_block_1e7_read_") + t.name, "time",
         r * 1e3, "ms");
  }
  // Where the read time goes (in memory).
  const double v =
      BestSeconds(3, [&] { Check(ValidateSparseBlock(block, "bench")); });
  Emit("format", "sparse_block_1e7_validate", "throughput",
       block_bytes / v / 1e9, "GB/s", peak);
  const double f = BestSeconds(3, [&] {
    auto buffer = ReadFileAligned(memfs.get(), "/b/block");
    Check(buffer.status());
    sink ^= static_cast<uint32_t>(buffer->size());
  });
  Emit("format", "sparse_block_1e7_read_file_only_memfs", "throughput",
       block_bytes / f / 1e9, "GB/s", peak);
  auto buffer = ReadFileAligned(memfs.get(), "/b/block");
  Check(buffer.status());
  const double o = BestSeconds(3, [&] {
    Check(FormatReader::Open(buffer->view(), "/b/block", kSparseBlockFileType)
              .status());
  });
  Emit("format", "sparse_block_1e7_open_and_checksum", "throughput",
       block_bytes / o / 1e9, "GB/s", peak);

  Check(PosixFileSystem()->DeleteRecursively(
      JoinPath(scratch, "format_bench_block.tlr")));

  FactorTable table(1'000'000, 64);
  for (int64_t i = 0; i < table.rows(); ++i) table.keys()[i] = 3 * i + 1;
  for (size_t i = 0; i < table.data().size(); ++i) table.data()[i] = i * 1e-6f;
  const double table_bytes = table.data().size() * 4.0 + table.rows() * 8.0;
  const double w = BestSeconds(
      3, [&] { Check(WriteFactorTable(memfs.get(), "/b/table", table)); });
  Emit("format", "factor_table_1e6x64_write_memfs", "throughput",
       table_bytes / w / 1e9, "GB/s", peak);
  const double r = BestSeconds(3, [&] {
    auto read = ReadFactorTable(memfs.get(), "/b/table");
    Check(read.status());
    sink ^= static_cast<uint32_t>(read->rows());
  });
  Emit("format", "factor_table_1e6x64_read_memfs", "throughput",
       table_bytes / r / 1e9, "GB/s", peak);
  if (sink == 0x12345678) std::fprintf(stderr, "(sink)\n");
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  tailor::Run(argc > 1 ? argv[1] : "/tmp");
  return 0;
}
