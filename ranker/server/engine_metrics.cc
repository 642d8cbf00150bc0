#include "ranker/server/engine_metrics.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ranker/server/ranker_metrics.h"

namespace tailor::ranker {

void RegisterEngineMetrics(metrics::MetricRegistry* registry,
                           std::function<RankEngineStats()> stats) {
  using metrics::Gauge;
  using metrics::MetricFamily;
  // Counters kept by the engine are exported as gauges of their current
  // totals, so the values match the engine exactly at every scrape.
  MetricFamily<Gauge>* manager = registry->AddGauge(
      "tailor_ranker_engine_version_events",
      "Model manager events since start: loads (became AVAILABLE), "
      "load_failures (FAILED), unloads, swaps (default version changed).",
      {"event"});
  MetricFamily<Gauge>* memory = registry->AddGauge(
      "tailor_ranker_engine_memory_bytes",
      "Bytes of loaded or not yet released versions: resident now, peak, and "
      "resident right after the last swap (old + new version unless "
      "--unload_first).",
      {"kind"});
  MetricFamily<Gauge>* version_memory = registry->AddGauge(
      "tailor_ranker_engine_version_memory_bytes",
      "Bytes held by each known version.", {"model", "version", "state"});
  MetricFamily<Gauge>* arms = registry->AddGauge(
      "tailor_ranker_experiment_units",
      "Units hashed to each experiment arm since start (assigned), served "
      "by the arm's version (served), or by the default version because "
      "the arm's was not available (fallback).",
      {"model", "experiment", "arm", "outcome"});
  MetricFamily<Gauge>* requests = registry->AddGauge(
      "tailor_ranker_engine_requests",
      "Valid requests per model since start (answered or not).", {"model"});
  MetricFamily<Gauge>* engine = registry->AddGauge(
      "tailor_ranker_engine_events",
      "Engine housekeeping since start: polls, config_reloads, "
      "config_errors, exposure_lines, exposure_rotations, exposure_errors.",
      {"event"});
  registry->AddScrapeHook([=, stats = std::move(stats)] {
    const RankEngineStats s = stats();
    manager->WithLabels({"loads"})->Set(s.manager.loads);
    manager->WithLabels({"load_failures"})->Set(s.manager.load_failures);
    manager->WithLabels({"unloads"})->Set(s.manager.unloads);
    manager->WithLabels({"swaps"})->Set(s.manager.swap_events);
    memory->WithLabels({"resident"})->Set(s.manager.resident_bytes);
    memory->WithLabels({"peak"})->Set(s.manager.peak_resident_bytes);
    memory->WithLabels({"last_swap"})->Set(s.manager.last_swap_resident_bytes);
    version_memory->Clear();
    for (const RankEngineStats::Version& v : s.versions) {
      version_memory
          ->WithLabels(
              {v.model, absl::StrCat(v.version), VersionStateName(v.state)})
          ->Set(static_cast<double>(v.memory_bytes));
    }
    for (const ArmStats& a : s.arms) {
      arms->WithLabels({a.model, a.experiment, a.arm, "assigned"})
          ->Set(a.assigned);
      arms->WithLabels({a.model, a.experiment, a.arm, "served"})->Set(a.served);
      arms->WithLabels({a.model, a.experiment, a.arm, "fallback"})
          ->Set(a.fallbacks);
    }
    for (const auto& [model, n] : s.requests_by_model) {
      requests->WithLabels({model})->Set(n);
    }
    engine->WithLabels({"polls"})->Set(s.polls);
    engine->WithLabels({"config_reloads"})->Set(s.config_reloads);
    engine->WithLabels({"config_errors"})->Set(s.config_errors);
    engine->WithLabels({"exposure_lines"})->Set(s.exposure_log_lines);
    engine->WithLabels({"exposure_rotations"})->Set(s.exposure_log_rotations);
    engine->WithLabels({"exposure_errors"})->Set(s.exposure_log_errors);
  });
}

}  // namespace tailor::ranker
