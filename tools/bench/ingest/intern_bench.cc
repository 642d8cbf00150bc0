// Id hashing and interning alone, the two steps of the ingest's input pass
// that depend on the number of distinct ids: ids drawn as ingest_bench draws
// them (users uniform, items with power-law popularity; decimal strings),
// hashed with KeyHasher in batches and interned with
// EntityTable::InternBatch into a fresh table per run. Prints, as JSON lines
// {"bench":"intern",...}, the medians over --runs of CPU nanoseconds per id
// for hashing (one at a time and batched) and for interning users and items.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "core/dataset/entity_table.h"
#include "core/key_hash.h"

ABSL_FLAG(int64_t, lines, 10000000, "Ids of each kind to intern.");
ABSL_FLAG(int64_t, bench_users, 1000000, "Distinct user ids (at most).");
ABSL_FLAG(int64_t, bench_items, 100000, "Distinct item ids (at most).");
ABSL_FLAG(int64_t, batch, 1300000, "Ids per InternBatch call.");
ABSL_FLAG(int, runs, 3, "Runs; medians are printed.");

namespace tailor {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void Print(const std::string& c, const std::string& metric, double value,
           const std::string& unit) {
  std::printf(
      "{\"bench\":\"intern\",\"case\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,"
      "\"unit\":\"%s\"}\n",
      c.c_str(), metric.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main() {
  const int64_t n = absl::GetFlag(FLAGS_lines);
  const int64_t users = absl::GetFlag(FLAGS_bench_users);
  const int64_t items = absl::GetFlag(FLAGS_bench_items);
  const size_t batch = static_cast<size_t>(absl::GetFlag(FLAGS_batch));
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::string> user_ids(n), item_ids(n);
  for (int64_t i = 0; i < n; ++i) {
    user_ids[i] = absl::StrCat(rng() % users);
    const double u = unit(rng);
    item_ids[i] = absl::StrCat(static_cast<int64_t>(items * u * u * u));
    rng();  // the value and timestamp draws of ingest_bench
    rng();
  }
  const KeyHasher hasher = KeyHasher::Public();
  std::vector<double> hash_one, hash_batch, intern_users, intern_items;
  std::vector<absl::string_view> views(batch);
  std::vector<uint64_t> keys(batch);
  std::vector<uint32_t> ordinals(batch);
  std::vector<uint32_t> first_seen;
  uint64_t sink = 0;
  for (int run = 0; run < std::max(1, absl::GetFlag(FLAGS_runs)); ++run) {
    double t_one = 0, t_batch = 0, t_users = 0, t_items = 0;
    for (const bool is_user : {true, false}) {
      const std::vector<std::string>& ids = is_user ? user_ids : item_ids;
      EntityTable table(is_user ? "user" : "item");
      for (int64_t b = 0; b < n; b += static_cast<int64_t>(batch)) {
        const size_t m = std::min<size_t>(batch, n - b);
        for (size_t i = 0; i < m; ++i) views[i] = ids[b + i];
        double t0 = CpuSeconds();
        for (size_t i = 0; i < m; ++i) {
          sink += is_user ? hasher.UserKey(views[i]) : hasher.ItemKey(views[i]);
        }
        double t1 = CpuSeconds();
        if (is_user) {
          hasher.UserKeys(views.data(), m, keys.data());
        } else {
          hasher.ItemKeys(views.data(), m, keys.data());
        }
        double t2 = CpuSeconds();
        first_seen.clear();
        size_t failed = 0;
        absl::Status s =
            table.InternBatch(absl::MakeConstSpan(keys.data(), m),
                              absl::MakeConstSpan(views.data(), m),
                              ordinals.data(), &first_seen, &failed);
        double t3 = CpuSeconds();
        if (!s.ok()) {
          std::fprintf(stderr, "intern_bench: %s\n", s.ToString().c_str());
          return 1;
        }
        t_one += t1 - t0;
        t_batch += t2 - t1;
        (is_user ? t_users : t_items) += t3 - t2;
      }
      sink += table.size();
    }
    hash_one.push_back(t_one / (2.0 * n) * 1e9);
    hash_batch.push_back(t_batch / (2.0 * n) * 1e9);
    intern_users.push_back(t_users / n * 1e9);
    intern_items.push_back(t_items / n * 1e9);
    std::fprintf(stderr,
                 "intern_bench: run %d: hash %.1f / batched %.1f ns, intern "
                 "users %.1f ns, items %.1f ns per id\n",
                 run, hash_one.back(), hash_batch.back(), intern_users.back(),
                 intern_items.back());
  }
  const std::string c = absl::StrCat("ids_", n, "_users_", users, "_items_",
                                     items, "_batch_", batch);
  Print(c, "hash_cpu_ns_per_id", Median(hash_one), "ns");
  Print(c, "hash_batch_cpu_ns_per_id", Median(hash_batch), "ns");
  Print(c, "intern_users_cpu_ns_per_id", Median(intern_users), "ns");
  Print(c, "intern_items_cpu_ns_per_id", Median(intern_items), "ns");
  std::fprintf(stderr, "(%llu)\n", static_cast<unsigned long long>(sink & 1));
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Main();
}
