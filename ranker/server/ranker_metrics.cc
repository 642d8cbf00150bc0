#include "ranker/server/ranker_metrics.h"

#include "absl/strings/str_cat.h"
#include "core/metrics/metric.h"

namespace tailor::ranker {

using tailor::v1::GetModelStatusResponse;
using tailor::v1::ModelStatus;
using tailor::v1::ModelVersionState;
using tailor::v1::ModelVersionStatus;

RankerMetrics::RankerMetrics(metrics::MetricRegistry* registry)
    : requests_(registry->AddCounter(
          "tailor_ranker_requests_total",
          "Finished RPCs by method and gRPC status code.", {"method", "code"})),
      latency_(registry->AddHistogram(
          "tailor_ranker_request_latency_seconds",
          "Time in the server per RPC (queue + work), by method.", {"method"},
          metrics::ExponentialBounds(0.0001, 1.5, 30))),
      served_(registry->AddCounter(
          "tailor_ranker_served_total",
          "Successful Rank answers by the model version that served them.",
          {"model", "version", "label"})),
      arms_(registry->AddCounter(
          "tailor_ranker_arm_assignments_total",
          "Successful Rank answers by experiment arm (empty arm: none); "
          "compare arms to spot a sample-ratio mismatch.",
          {"model", "arm"})),
      cold_starts_(registry->AddCounter(
          "tailor_ranker_cold_start_total",
          "Rank answers for users the model had not seen.", {"model"})),
      shed_(registry->AddCounter(
          "tailor_ranker_shed_total",
          "Rank calls refused with RESOURCE_EXHAUSTED because the work "
          "queue was full.")),
      versions_(registry->AddGauge(
          "tailor_ranker_model_versions",
          "Model versions known to the server by state (1 per version).",
          {"model", "version", "state"})),
      default_version_(registry->AddGauge(
          "tailor_ranker_default_version",
          "Version served when a request names neither version nor label.",
          {"model"})),
      swaps_(registry->AddCounter("tailor_ranker_version_swaps_total",
                                  "Times a model's default version changed.",
                                  {"model"})) {
  shed_->Get();
}

void RankerMetrics::RecordCall(const std::string& method,
                               const absl::Status& status,
                               absl::Duration latency,
                               const tailor::v1::RankResponse* response) {
  requests_->WithLabels({method, absl::StatusCodeToString(status.code())})
      ->Increment();
  latency_->WithLabels({method})->Observe(absl::ToDoubleSeconds(latency));
  if (!status.ok() || response == nullptr) return;
  served_
      ->WithLabels({response->model_name(),
                    absl::StrCat(response->model_version()),
                    response->version_label()})
      ->Increment();
  arms_->WithLabels({response->model_name(), response->experiment_arm()})
      ->Increment();
  if (response->cold_start()) {
    cold_starts_->WithLabels({response->model_name()})->Increment();
  }
}

void RankerMetrics::RecordShed() { shed_->Get()->Increment(); }

void RankerMetrics::UpdateModelStatus(const GetModelStatusResponse& status) {
  versions_->Clear();
  absl::MutexLock lock(&mu_);
  for (const ModelStatus& model : status.models()) {
    for (const ModelVersionStatus& v : model.versions()) {
      versions_
          ->WithLabels({model.model_name(), absl::StrCat(v.version()),
                        VersionStateName(v.state())})
          ->Set(1);
    }
    default_version_->WithLabels({model.model_name()})
        ->Set(static_cast<double>(model.default_version()));
    auto [it, inserted] =
        last_default_.emplace(model.model_name(), model.default_version());
    if (!inserted && it->second != model.default_version()) {
      it->second = model.default_version();
      swaps_->WithLabels({model.model_name()})->Increment();
      ++swap_count_;
    }
  }
}

int64_t RankerMetrics::swaps() const {
  absl::MutexLock lock(&mu_);
  return swap_count_;
}

bool AnyVersionAvailable(const GetModelStatusResponse& status) {
  for (const ModelStatus& model : status.models()) {
    for (const ModelVersionStatus& v : model.versions()) {
      if (v.state() == tailor::v1::MODEL_VERSION_STATE_AVAILABLE) return true;
    }
  }
  return false;
}

std::string VersionStateName(ModelVersionState state) {
  switch (state) {
    case tailor::v1::MODEL_VERSION_STATE_LOADING:
      return "LOADING";
    case tailor::v1::MODEL_VERSION_STATE_AVAILABLE:
      return "AVAILABLE";
    case tailor::v1::MODEL_VERSION_STATE_UNLOADING:
      return "UNLOADING";
    case tailor::v1::MODEL_VERSION_STATE_FAILED:
      return "FAILED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace tailor::ranker
