#ifndef TAILOR_RANKER_ENGINE_FAKE_SERVABLE_H_
#define TAILOR_RANKER_ENGINE_FAKE_SERVABLE_H_

// Test doubles for the ranker: a fake model version directory (a real
// manifest.json with checksums plus a small fake_servable.json), a loader
// that verifies it with ReadModelManifest, and the Servable it yields, which
// ranks `items` synthetic items named "v<version>-item<i>". Test-only.
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/file_system.h"
#include "ranker/engine/servable.h"

namespace tailor::ranker {

struct FakeVersionSpec {
  int64_t items = 100;
  int64_t users = 10;
  int64_t memory_bytes = 1000;
};

// Publishes version `version` of `model` under `model_base`. Returns its
// directory.
absl::StatusOr<std::string> WriteFakeModelVersion(
    FileSystem* fs, const std::string& model_base, const std::string& model,
    int64_t version, const FakeVersionSpec& spec = FakeVersionSpec());

// Shared by a loader and its servables.
struct FakeLoaderState {
  std::atomic<int> loads{0};             // loader calls
  std::atomic<int> live{0};              // servables alive now
  std::atomic<int> max_live_at_load{0};  // most servables alive at a load
  std::atomic<int64_t> ranks{0};         // Rank calls
  // Called at the start of every Rank (e.g. to block a request in flight).
  std::function<void()> on_rank;
};

// A ServableLoader over `fs` whose servables count themselves in `state`.
ServableLoader FakeServableLoader(FileSystem* fs,
                                  std::shared_ptr<FakeLoaderState> state);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_FAKE_SERVABLE_H_
