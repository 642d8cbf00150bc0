// Top-k retrieval benchmark over Gaussian item factors:
//   ranker_bench [--items=100000,1000000] [--dim=64] [--count=100]
//                [--modes=float,int8] [--latency_queries=200] [--batch=16]
//                [--batch_threads=2] [--batches=12] [--clients=16]
//                [--client_queries=40] [--max_batch=16] [--window_us=200]
//                [--rescore=200] [--recall_queries=50] [--machine_seconds=1]
// Prints the machine's peaks, then per case (items x dim, mode) one JSON line
// per metric: single-query latency p50/p99 (wall) and CPU time per query with
// the achieved scan bandwidth as a share of the 1-thread streaming-read peak;
// batched throughput (TopKBatch on --batch_threads threads) in queries/s,
// GFLOP/s and GB/s as shares of the FMA and read peaks; micro-batched
// throughput and latency with --clients concurrent callers; int8 recall@count
// against the exact float scan.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ranker/scoring/item_scorer.h"
#include "ranker/scoring/micro_batcher.h"
#include "tools/bench/machine/machine_peaks.h"

ABSL_FLAG(std::string, items, "100000,1000000", "comma-separated item counts");
ABSL_FLAG(int, dim, 64, "factors per item");
ABSL_FLAG(int, count, 100, "results per query");
ABSL_FLAG(std::string, modes, "float,int8", "float and/or int8");
ABSL_FLAG(int, latency_queries, 200, "sequential single queries per case");
ABSL_FLAG(int, batch, 16, "queries per TopKBatch call");
ABSL_FLAG(int, batch_threads, 2, "threads running TopKBatch concurrently");
ABSL_FLAG(int, batches, 12, "TopKBatch calls per thread");
ABSL_FLAG(int, clients, 16, "concurrent callers of the MicroBatcher");
ABSL_FLAG(int, client_queries, 40, "queries per MicroBatcher caller");
ABSL_FLAG(int, max_batch, 16, "MicroBatcher max_batch");
ABSL_FLAG(int, window_us, 200, "MicroBatcher window_us");
ABSL_FLAG(int, rescore, 200, "int8 mode: candidates re-scored exactly");
ABSL_FLAG(bool, int8_exact, true,
          "int8 mode: prune by the error bound (false: fixed --rescore)");
ABSL_FLAG(int, scan_threads, 1, "threads sharing one scan (large catalogues)");
ABSL_FLAG(int64_t, parallel_min_items, 200000,
          "scan_threads apply from this many items on");
ABSL_FLAG(int, recall_queries, 50, "int8 queries checked against exact");
ABSL_FLAG(double, machine_seconds, 1.0, "seconds per machine-peak test");

namespace tailor::ranker {
namespace {

constexpr char kHelp[] =
    "ranker_bench: exact and int8 top-k over Gaussian item factors; one JSON\n"
    "line per figure (latency p50/p99, CPU per query, batched and\n"
    "micro-batched queries/s, GFLOP/s and GB/s with peak_share, int8\n"
    "recall).\n\n"
    "  --items=100000,1000000  item counts\n"
    "  --dim=64                factors per item\n"
    "  --count=100             results per query\n"
    "  --modes=float,int8      scan modes\n"
    "  --latency_queries=200   sequential single queries per case\n"
    "  --batch=16              queries per TopKBatch call\n"
    "  --batch_threads=2       threads running TopKBatch concurrently\n"
    "  --batches=12            TopKBatch calls per thread\n"
    "  --clients=16            concurrent MicroBatcher callers\n"
    "  --client_queries=40     queries per caller\n"
    "  --max_batch=16          MicroBatcher max_batch\n"
    "  --window_us=200         MicroBatcher window_us\n"
    "  --rescore=200           int8 candidates re-scored (--int8_exact=false)\n"
    "  --int8_exact=true       int8: prune by the quantization error bound\n"
    "  --scan_threads=1        threads sharing one scan\n"
    "  --parallel_min_items=200000  scan_threads apply from this size on\n"
    "  --recall_queries=50     int8 queries checked against exact\n"
    "  --machine_seconds=1     seconds per machine-peak test\n";

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + 1e-6 * u.ru_utime.tv_usec + u.ru_stime.tv_sec +
         1e-6 * u.ru_stime.tv_usec;
}

// CPU time of the calling thread: unlike wall time it does not count the
// time the thread waited for a core on a shared, loaded machine.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  return v[i];
}

void Line(const std::string& c, const std::string& metric, double value,
          const std::string& unit, double peak_share = -1) {
  if (peak_share >= 0) {
    std::printf(
        "{\"bench\":\"ranker\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%."
        "6g,\"unit\":\"%s\",\"peak_share\":%.4f}\n",
        c.c_str(), metric.c_str(), value, unit.c_str(), peak_share);
  } else {
    std::printf(
        "{\"bench\":\"ranker\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%."
        "6g,\"unit\":\"%s\"}\n",
        c.c_str(), metric.c_str(), value, unit.c_str());
  }
  std::fflush(stdout);
}

std::vector<std::vector<float>> Queries(int n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> out(n, std::vector<float>(dim));
  for (auto& q : out) {
    for (float& x : q) x = normal(rng);
  }
  return out;
}

struct Peaks {
  MachinePeaks all;
  double read_gbps_1thread = 0;
};

// Runs every measurement for one scorer; `exact` (float mode, same data)
// is used for the int8 recall.
int RunCase(const std::string& name, const ItemScorer& scorer,
            const ItemScorer* exact, const Peaks& peaks) {
  const int dim = scorer.dim();
  const int count = absl::GetFlag(FLAGS_count);
  const int64_t items = scorer.items();
  const double bytes_per_scan =
      static_cast<double>(items) * dim * (scorer.int8() ? 1 : 4);
  const double flops_per_query = 2.0 * items * dim;
  Line(name, "memory", scorer.MemoryBytes() / 1048576.0, "MiB");

  // Single-query latency.
  {
    const auto queries =
        Queries(absl::GetFlag(FLAGS_latency_queries) + 3, dim, 101);
    std::vector<ScoredItem> out;
    std::vector<double> us, cpu_us_each;
    double cpu0 = 0;
    for (size_t i = 0; i < queries.size(); ++i) {
      if (i == 3) cpu0 = ProcessCpuSeconds();  // 3 warm-up queries
      const double t0 = Now();
      const double c0 = ThreadCpuSeconds();
      absl::Status s = scorer.TopK(queries[i], count, nullptr, {}, &out);
      const double c1 = ThreadCpuSeconds();
      const double t1 = Now();
      if (!s.ok()) {
        std::fprintf(stderr, "ranker_bench: %s\n", s.ToString().c_str());
        return 1;
      }
      if (i >= 3) {
        us.push_back(1e6 * (t1 - t0));
        cpu_us_each.push_back(1e6 * (c1 - c0));
      }
    }
    const double cpu_us =
        1e6 * (ProcessCpuSeconds() - cpu0) / static_cast<double>(us.size());
    const double p50 = Percentile(us, 0.5);
    Line(name, "single_latency_p50", p50, "us");
    Line(name, "single_latency_p99", Percentile(us, 0.99), "us");
    Line(name, "single_cpu_per_query", cpu_us, "us");
    Line(name, "single_thread_cpu_p50", Percentile(cpu_us_each, 0.5), "us");
    Line(name, "single_thread_cpu_p99", Percentile(cpu_us_each, 0.99), "us");
    const double gbps = bytes_per_scan / (cpu_us * 1e-6) / 1e9;
    Line(name, "single_scan_bandwidth_cpu", gbps, "GB/s",
         gbps / peaks.read_gbps_1thread);
  }

  // Batched throughput: TopKBatch on batch_threads threads.
  {
    const int batch = absl::GetFlag(FLAGS_batch);
    const int threads = absl::GetFlag(FLAGS_batch_threads);
    const int batches = absl::GetFlag(FLAGS_batches);
    std::vector<std::vector<std::vector<float>>> vectors(threads);
    for (int t = 0; t < threads; ++t) vectors[t] = Queries(batch, dim, 200 + t);
    std::atomic<int> failures{0};
    const double cpu0 = ProcessCpuSeconds();
    const double t0 = Now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::vector<TopKQuery> qs;
        for (const auto& v : vectors[t]) qs.push_back({v, count, nullptr});
        std::vector<std::vector<ScoredItem>> out;
        for (int b = 0; b < batches; ++b) {
          if (!scorer.TopKBatch(qs, &out).ok()) ++failures;
        }
      });
    }
    for (std::thread& t : pool) t.join();
    const double wall = Now() - t0;
    const double cpu = ProcessCpuSeconds() - cpu0;
    if (failures > 0) {
      std::fprintf(stderr, "ranker_bench: TopKBatch failed\n");
      return 1;
    }
    const double queries = static_cast<double>(threads) * batches * batch;
    const std::string c =
        absl::StrFormat("%s,batch=%d,threads=%d", name, batch, threads);
    Line(c, "batched_qps_wall", queries / wall, "queries/s");
    Line(c, "batched_qps_per_cpu_second", queries / cpu, "queries/s");
    const double gflops = queries * flops_per_query / cpu / 1e9;
    // Per CPU second, so against the 1-thread FMA peak (int8 MACs counted
    // as 2 ops each, like fp32 FMAs).
    Line(c, "batched_gflops_per_cpu", gflops, "GFLOP/s",
         gflops / peaks.all.fma_gflops_1thread);
    const double gbps =
        static_cast<double>(threads) * batches * bytes_per_scan / cpu / 1e9;
    Line(c, "batched_scan_bandwidth_cpu", gbps, "GB/s",
         gbps / peaks.read_gbps_1thread);
  }

  // Micro-batched: concurrent single-query callers.
  {
    MicroBatcherOptions options;
    options.max_batch = absl::GetFlag(FLAGS_max_batch);
    options.window_us = absl::GetFlag(FLAGS_window_us);
    std::shared_ptr<const ItemScorer> shared(&scorer, [](const ItemScorer*) {});
    auto batcher = MicroBatcher::Create(shared, options);
    if (!batcher.ok()) {
      std::fprintf(stderr, "ranker_bench: %s\n",
                   batcher.status().ToString().c_str());
      return 1;
    }
    const int clients = absl::GetFlag(FLAGS_clients);
    const int per_client = absl::GetFlag(FLAGS_client_queries);
    std::vector<std::vector<double>> us(clients);
    std::atomic<int> failures{0};
    const double cpu0 = ProcessCpuSeconds();
    const double t0 = Now();
    std::vector<std::thread> pool;
    for (int t = 0; t < clients; ++t) {
      pool.emplace_back([&, t] {
        const auto queries = Queries(per_client, dim, 300 + t);
        std::vector<ScoredItem> out;
        for (const auto& q : queries) {
          const double s0 = Now();
          if (!(*batcher)->TopK(q, count, nullptr, &out).ok()) ++failures;
          us[t].push_back(1e6 * (Now() - s0));
        }
      });
    }
    for (std::thread& t : pool) t.join();
    const double wall = Now() - t0;
    const double cpu = ProcessCpuSeconds() - cpu0;
    if (failures > 0) {
      std::fprintf(stderr, "ranker_bench: MicroBatcher::TopK failed\n");
      return 1;
    }
    std::vector<double> all;
    for (const auto& v : us) all.insert(all.end(), v.begin(), v.end());
    const MicroBatcher::Stats stats = (*batcher)->stats();
    const std::string c = absl::StrFormat(
        "%s,clients=%d,max_batch=%d,window_us=%d", name, clients,
        options.max_batch, static_cast<int>(options.window_us));
    Line(c, "microbatched_qps_wall", all.size() / wall, "queries/s");
    Line(c, "microbatched_qps_per_cpu_second", all.size() / cpu, "queries/s");
    Line(c, "microbatched_latency_p50", Percentile(all, 0.5), "us");
    Line(c, "microbatched_latency_p99", Percentile(all, 0.99), "us");
    Line(c, "microbatched_mean_batch",
         static_cast<double>(stats.queries) /
             std::max<int64_t>(1, stats.batches),
         "queries");
  }

  // int8 recall against the exact scan.
  if (scorer.int8() && exact != nullptr) {
    const auto queries = Queries(absl::GetFlag(FLAGS_recall_queries), dim, 400);
    int64_t found = 0, total = 0;
    for (const auto& q : queries) {
      std::vector<ScoredItem> want, got;
      if (!exact->TopK(q, count, nullptr, {}, &want).ok() ||
          !scorer.TopK(q, count, nullptr, {}, &got).ok()) {
        std::fprintf(stderr, "ranker_bench: recall query failed\n");
        return 1;
      }
      std::set<int32_t> truth;
      for (const ScoredItem& item : want) truth.insert(item.index);
      for (const ScoredItem& item : got) found += truth.count(item.index);
      total += static_cast<int64_t>(want.size());
    }
    Line(name, absl::StrFormat("recall_at_%d", count),
         total > 0 ? static_cast<double>(found) / total : 0.0, "ratio");
  }
  return 0;
}

int Main() {
  Peaks peaks;
  const double seconds = absl::GetFlag(FLAGS_machine_seconds);
  peaks.all = MeasureMachinePeaks(0, seconds);
  peaks.read_gbps_1thread = MeasureReadGbps(1, seconds);
  std::fputs(MachinePeaksJsonLines(peaks.all).c_str(), stdout);
  std::printf(
      "{\"bench\":\"machine\",\"case\":\"1thread\",\"metric\":\"read_"
      "bandwidth\",\"value\":%.6g,\"unit\":\"GB/s\"}\n",
      peaks.read_gbps_1thread);
  std::fflush(stdout);

  const int dim = absl::GetFlag(FLAGS_dim);
  const std::vector<std::string> modes =
      absl::StrSplit(absl::GetFlag(FLAGS_modes), ',', absl::SkipEmpty());
  for (absl::string_view s :
       absl::StrSplit(absl::GetFlag(FLAGS_items), ',', absl::SkipEmpty())) {
    int64_t items = 0;
    if (!absl::SimpleAtoi(s, &items) || items < 1) {
      std::fprintf(stderr, "ranker_bench: bad --items entry %s\n",
                   std::string(s).c_str());
      return 1;
    }
    std::vector<uint64_t> keys(items);
    for (int64_t i = 0; i < items; ++i) keys[i] = static_cast<uint64_t>(i);
    std::vector<float> rows(static_cast<size_t>(items) * dim);
    {
      std::mt19937 rng(7);
      std::normal_distribution<float> normal(0.0f, 1.0f);
      for (float& x : rows) x = normal(rng);
    }
    std::unique_ptr<ItemScorer> exact;
    for (const std::string& mode : modes) {
      if (mode != "float" && mode != "int8") {
        std::fprintf(stderr, "ranker_bench: unknown mode %s\n", mode.c_str());
        return 1;
      }
      ItemScorerOptions options;
      options.int8 = mode == "int8";
      options.rescore = absl::GetFlag(FLAGS_rescore);
      options.int8_exact = absl::GetFlag(FLAGS_int8_exact);
      options.scan_threads = absl::GetFlag(FLAGS_scan_threads);
      options.parallel_min_items = absl::GetFlag(FLAGS_parallel_min_items);
      const double t0 = Now();
      auto scorer = ItemScorer::Create(keys, rows, dim, options);
      if (!scorer.ok()) {
        std::fprintf(stderr, "ranker_bench: %s\n",
                     scorer.status().ToString().c_str());
        return 1;
      }
      std::string name =
          absl::StrFormat("items=%d,dim=%d,count=%d,mode=%s", items, dim,
                          absl::GetFlag(FLAGS_count), mode);
      if (options.int8) {
        name += options.int8_exact
                    ? ",select=bound"
                    : absl::StrFormat(",rescore=%d", options.rescore);
      }
      if (options.scan_threads > 1 && items >= options.parallel_min_items) {
        name += absl::StrFormat(",scan_threads=%d", options.scan_threads);
      }
      Line(name, "build_seconds", Now() - t0, "s");
      std::fprintf(stderr, "ranker_bench: %s\n", name.c_str());
      if (options.int8 && exact == nullptr) {
        ItemScorerOptions float_options;
        auto e = ItemScorer::Create(keys, rows, dim, float_options);
        if (e.ok()) exact = std::move(*e);
      }
      if (RunCase(name, **scorer, exact.get(), peaks) != 0) return 1;
      if (!options.int8) exact = std::move(*scorer);
    }
  }
  return 0;
}

}  // namespace
}  // namespace tailor::ranker

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "--helpfull") {
      std::fputs(tailor::ranker::kHelp, stdout);
      return 0;
    }
  }
  absl::ParseCommandLine(argc, argv);
  return tailor::ranker::Main();
}
