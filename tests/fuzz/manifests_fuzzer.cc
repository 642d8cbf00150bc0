// Fuzz target: the JSON manifests (dataset manifest.json, model version
// manifest.json). A model manifest lists a file that exists, so checksum
// and size checks are reached as well as the JSON structure checks.

#include <memory>
#include <string>

#include "core/dataset/manifest.h"
#include "core/file_system.h"
#include "core/model/model_version.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  (void)tailor::ManifestFromJson(json, "fuzz/manifest.json");

  static std::unique_ptr<tailor::FileSystem> fs = [] {
    auto f = tailor::NewInMemoryFileSystem();
    (void)f->CreateDirs("/m/1");
    (void)tailor::WriteStringToFile(f.get(), "/m/1/item_factors.tft", "abc");
    return f;
  }();
  if (tailor::WriteStringToFile(fs.get(), "/m/1/manifest.json", json).ok()) {
    (void)tailor::ReadModelManifest(fs.get(), "/m/1");
  }
  return 0;
}
