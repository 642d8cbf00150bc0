// Fuzz target: the binary container readers (sparse blocks, factor tables).
// Each input is read raw and resealed (tests/fuzz/reseal.h), as each kind.

#include <memory>
#include <string>

#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/format/sparse_block.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/reseal.h"

namespace {

void ReadAll(tailor::FileSystem* fs, const std::string& bytes) {
  if (!tailor::WriteStringToFile(fs, "/in.bin", bytes).ok()) return;
  // Results are discarded: a reader must return a status, never crash.
  (void)tailor::ReadSparseBlock(fs, "/in.bin");
  (void)tailor::ReadFactorTable(fs, "/in.bin");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<tailor::FileSystem> fs =
      tailor::NewInMemoryFileSystem();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  ReadAll(fs.get(), bytes);
  tailor::ResealContainer(&bytes);
  ReadAll(fs.get(), bytes);
  return 0;
}
