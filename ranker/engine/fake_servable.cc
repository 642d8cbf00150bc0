#include "ranker/engine/fake_servable.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "ranker/engine/request_validation.h"

namespace tailor::ranker {
namespace {

constexpr char kSpecFile[] = "fake_servable.json";

class FakeServable final : public Servable {
 public:
  FakeServable(int64_t version, const FakeVersionSpec& spec,
               std::shared_ptr<FakeLoaderState> state)
      : version_(version), spec_(spec), state_(std::move(state)) {
    ++state_->live;
  }
  ~FakeServable() override { --state_->live; }

  absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request,
      const RankCall& call) const override {
    ++state_->ranks;
    if (state_->on_rank) state_->on_rank();
    if (call.cancelled && call.cancelled()) {
      return absl::CancelledError("fake servable: cancelled");
    }
    tailor::v1::RankResponse response;
    const int64_t n = std::min<int64_t>(EffectiveCount(request), spec_.items);
    for (int64_t i = 0; i < n; ++i) {
      tailor::v1::RankedItem* item = response.add_items();
      item->set_item_key(static_cast<uint64_t>(version_ * 1000000 + i));
      item->set_item_id(absl::StrCat("v", version_, "-item", i));
      item->set_score(static_cast<float>(n - i));
      item->set_reason(tailor::v1::REASON_CODE_POPULAR);
    }
    response.set_cold_start(request.user_case() ==
                            tailor::v1::RankRequest::USER_NOT_SET);
    response.set_user_segment("fake-segment");
    return response;
  }
  int64_t MemoryBytes() const override { return spec_.memory_bytes; }
  int64_t users() const override { return spec_.users; }
  int64_t items() const override { return spec_.items; }
  std::string algorithm() const override { return "fake"; }

 private:
  const int64_t version_;
  const FakeVersionSpec spec_;
  const std::shared_ptr<FakeLoaderState> state_;
};

}  // namespace

absl::StatusOr<std::string> WriteFakeModelVersion(FileSystem* fs,
                                                  const std::string& model_base,
                                                  const std::string& model,
                                                  int64_t version,
                                                  const FakeVersionSpec& spec) {
  ModelVersionContents contents;
  contents.algorithm = "popularity";
  nlohmann::json j = {{"items", spec.items},
                      {"users", spec.users},
                      {"memory_bytes", spec.memory_bytes}};
  contents.extra_files.emplace_back(kSpecFile, j.dump());
  return ExportModelVersion(fs, model_base, model, contents, version);
}

ServableLoader FakeServableLoader(FileSystem* fs,
                                  std::shared_ptr<FakeLoaderState> state) {
  return [fs, state](const std::string& dir)
             -> absl::StatusOr<std::shared_ptr<const Servable>> {
    ++state->loads;
    int live = state->live.load();
    int max = state->max_live_at_load.load();
    while (live > max &&
           !state->max_live_at_load.compare_exchange_weak(max, live)) {
    }
    TAILOR_ASSIGN_OR_RETURN(nlohmann::json manifest,
                            ReadModelManifest(fs, dir));
    TAILOR_ASSIGN_OR_RETURN(std::string text,
                            ReadFileToString(fs, JoinPath(dir, kSpecFile)));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::DataLossError(
          absl::StrCat(dir, "/", kSpecFile, ": not a JSON object"));
    }
    FakeVersionSpec spec;
    spec.items = j.value("items", int64_t{0});
    spec.users = j.value("users", int64_t{0});
    spec.memory_bytes = j.value("memory_bytes", int64_t{0});
    const int64_t version = manifest.value("version", int64_t{0});
    return std::make_shared<const FakeServable>(version, spec, state);
  };
}

}  // namespace tailor::ranker
