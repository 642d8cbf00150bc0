#ifndef TAILOR_RANKER_SERVER_ENGINE_METRICS_H_
#define TAILOR_RANKER_SERVER_ENGINE_METRICS_H_

// Exposes the serving engine's own counters (ServingRankEngine::stats():
// loads, failures, swaps, resident and swap memory, experiment arms,
// exposure log, config reloads) as Prometheus metrics, read at each scrape.
// Names in docs/ranker_server.md. Thread-safe.

#include <functional>

#include "core/metrics/metric_registry.h"
#include "ranker/engine/serving_engine.h"

namespace tailor::ranker {

// Registers the families in `registry` and a scrape hook that calls
// `stats` (e.g. [&] { return engine->stats(); }); both must outlive the
// registry's last scrape.
void RegisterEngineMetrics(metrics::MetricRegistry* registry,
                           std::function<RankEngineStats()> stats);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_ENGINE_METRICS_H_
