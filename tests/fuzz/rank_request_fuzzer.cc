// Fuzz target: the ranker's request handling (ranker/engine): the
// field-by-field RankRequest validation and the serving engine's Rank on a
// tiny real model (two versions of "shop", a labels config and an
// experiment), i.e. everything a Rank RPC runs behind the gRPC adapter:
// validation, model / version / label / arm resolution, the hybrid model's
// user resolution, fold-in, candidates, features, filters, diversity.
//
// Input layout: a RankRequest, in text format when the first byte is 'T'
// (the rest is the text), else in binary wire format.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/file_system.h"
#include "google/protobuf/text_format.h"
#include "ranker/engine/request_validation.h"
#include "ranker/engine/serving_engine.h"
#include "ranker/model/model_loader.h"
#include "tailor/v1/ranker.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/tiny_model.h"

namespace {

struct Engine {
  std::unique_ptr<tailor::FileSystem> fs;
  std::unique_ptr<tailor::ranker::ServingRankEngine> engine;
};

Engine* MakeEngine() {
  auto* e = new Engine;
  e->fs = tailor::NewInMemoryFileSystem();
  tailor::FileSystem* fs = e->fs.get();
  for (int v = 0; v < 2; ++v) {
    auto dir = tailor::WriteTinyModelVersion(fs, "/models", "shop");
    if (!dir.ok()) {
      std::fprintf(stderr, "rank_request_fuzzer: %s\n",
                   dir.status().ToString().c_str());
      std::abort();
    }
  }
  absl::Status written = fs->CreateDirs("/etc");
  if (written.ok()) {
    written = tailor::WriteStringToFile(
        fs, "/etc/labels.json",
        R"({"models": {"shop": {"stable": 1, "canary": 2}}})");
  }
  if (written.ok()) {
    written = tailor::WriteStringToFile(fs, "/etc/experiments.json", R"({
        "experiments": [{"name": "e", "model": "shop", "salt": "s",
          "arms": [{"name": "a", "label": "stable", "buckets": [[0, 5000]]},
                   {"name": "b", "version": 2, "buckets": [[5000, 9000]]}]}]
      })");
  }
  if (!written.ok()) {
    std::fprintf(stderr, "rank_request_fuzzer: %s\n",
                 written.ToString().c_str());
    std::abort();
  }
  tailor::ranker::RankEngineOptions o;
  o.model_base = "/models";
  o.fs = fs;
  o.loader = tailor::ranker::HybridModelLoader(fs);
  o.version_policy = tailor::ranker::VersionPolicy::Latest(2);
  o.labels_config_path = "/etc/labels.json";
  o.experiments_config_path = "/etc/experiments.json";
  o.hostname = "fuzz";
  o.log = [](const std::string&) {};
  o.limits.max_request_bytes = 1 << 16;
  auto engine = tailor::ranker::CreateRankEngine(o);
  if (!engine.ok()) {
    std::fprintf(stderr, "rank_request_fuzzer: %s\n",
                 engine.status().ToString().c_str());
    std::abort();
  }
  e->engine = std::move(*engine);
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Engine* engine = MakeEngine();
  tailor::v1::RankRequest request;
  if (size > 0 && data[0] == 'T') {
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (!google::protobuf::TextFormat::ParseFromString(text, &request)) {
      return 0;
    }
  } else if (!request.ParseFromArray(data, static_cast<int>(size))) {
    return 0;
  }
  (void)tailor::ranker::ValidateRankRequest(request,
                                            tailor::ranker::RequestLimits{});
  (void)tailor::ranker::EffectiveCount(request);
  tailor::ranker::RankCall call;
  (void)engine->engine->Rank(request, call);
  return 0;
}
