#include "ranker/server/fake_rank_engine.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tailor::ranker {

using tailor::v1::GetModelStatusRequest;
using tailor::v1::GetModelStatusResponse;
using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

void FakeRankEngine::SetVersion(int64_t version) {
  absl::MutexLock lock(&mu_);
  version_ = version;
}

void FakeRankEngine::SetFailure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

int64_t FakeRankEngine::rank_calls() const {
  absl::MutexLock lock(&mu_);
  return rank_calls_;
}

void FakeRankEngine::WaitForRankCalls(int64_t n) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return rank_calls_ >= n;
  };
  mu_.Await(absl::Condition(&reached));
}

absl::StatusOr<RankResponse> FakeRankEngine::Rank(const RankRequest& request,
                                                  const RankCall& call) {
  int64_t version;
  {
    absl::MutexLock lock(&mu_);
    ++rank_calls_;
    if (!failure_.ok()) return failure_;
    version = version_;
  }
  if (request.model_name().empty()) {
    return absl::InvalidArgumentError("model_name: required");
  }
  if (request.model_name() != model_name_) {
    return absl::NotFoundError(
        absl::StrCat("model_name: unknown model '", request.model_name(), "'"));
  }
  if (request.count() > 1000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "count: ", request.count(), " is outside 1..1000 (0 means 10)"));
  }
  if (version == 0) {
    return absl::UnavailableError(
        absl::StrCat("model '", model_name_, "' has no AVAILABLE version yet"));
  }
  if (block_.load()) {
    while (true) {
      if (call.cancelled && call.cancelled()) {
        saw_cancellation_.store(true);
        return absl::CancelledError("Rank: cancelled");
      }
      if (absl::Now() >= call.deadline) {
        saw_cancellation_.store(false);
        return absl::DeadlineExceededError("Rank: deadline passed");
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  RankResponse response;
  const uint32_t count = request.count() == 0 ? 10 : request.count();
  for (uint32_t i = 0; i < count; ++i) {
    tailor::v1::RankedItem* item = response.add_items();
    item->set_item_key(1000 + i);
    item->set_item_id(absl::StrCat("item-", i));
    item->set_score(static_cast<float>(count - i));
    item->set_reason(tailor::v1::REASON_CODE_POPULAR);
  }
  response.set_model_name(model_name_);
  response.set_model_version(version);
  response.set_version_label(call.version_label);
  response.set_experiment_arm(call.experiment_arm);
  response.set_cold_start(request.user_case() == RankRequest::USER_NOT_SET);
  response.set_request_id(request.request_id());
  return response;
}

absl::StatusOr<GetModelStatusResponse> FakeRankEngine::GetModelStatus(
    const GetModelStatusRequest& request) {
  if (!request.model_name().empty() && request.model_name() != model_name_) {
    return absl::NotFoundError(
        absl::StrCat("model_name: unknown model '", request.model_name(), "'"));
  }
  GetModelStatusResponse response;
  tailor::v1::ModelStatus* model = response.add_models();
  model->set_model_name(model_name_);
  absl::MutexLock lock(&mu_);
  if (version_ != 0) {
    tailor::v1::ModelVersionStatus* v = model->add_versions();
    v->set_version(version_);
    v->set_state(tailor::v1::MODEL_VERSION_STATE_AVAILABLE);
    model->set_default_version(version_);
  }
  return response;
}

}  // namespace tailor::ranker
