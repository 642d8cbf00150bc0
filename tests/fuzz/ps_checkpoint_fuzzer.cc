// Fuzz target: a parameter-server shard checkpoint (docs/formats/
// ps_checkpoint.md). The input is split at its first NUL byte into the
// shard's manifest.json and the table file it names; the table file is
// written raw and resealed (tests/fuzz/reseal.h).

#include <cstring>
#include <memory>
#include <string>

#include "core/file_system.h"
#include "parameter_server/checkpoint.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/reseal.h"

namespace {

constexpr char kShardDir[] = "/ckpt/00000003/shard-0-of-1";

void ReadCheckpoint(tailor::FileSystem* fs, const std::string& manifest,
                    const std::string& table) {
  (void)fs->DeleteRecursively("/ckpt");
  if (!fs->CreateDirs(kShardDir).ok()) return;
  if (!tailor::WriteStringToFile(fs, std::string(kShardDir) + "/manifest.json",
                                 manifest)
           .ok() ||
      !tailor::WriteStringToFile(
           fs, std::string(kShardDir) + "/table-item_factors.tps", table)
           .ok()) {
    return;
  }
  (void)tailor::NewestCompleteCheckpoint(fs, "/ckpt", 1);
  (void)tailor::ReadShardCheckpoint(fs, "/ckpt", 3, 0, 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<tailor::FileSystem> fs =
      tailor::NewInMemoryFileSystem();
  const char* bytes = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(bytes, 0, size);
  const size_t split =
      nul == nullptr ? size : static_cast<const char*>(nul) - bytes;
  const std::string manifest(bytes, split);
  std::string table(split < size ? bytes + split + 1 : bytes + size,
                    split < size ? size - split - 1 : 0);
  ReadCheckpoint(fs.get(), manifest, table);
  tailor::ResealContainer(&table);
  ReadCheckpoint(fs.get(), manifest, table);
  return 0;
}
