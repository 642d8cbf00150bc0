// Microbenchmark of key hashing: bazel run //core:key_hash_bench
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "core/key_hash.h"

namespace tailor {
namespace {

std::vector<std::string> Ids(int length) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1024; ++i) {
    std::string id = absl::StrCat("u", 100000 + i * 7919);
    id.resize(length, 'x');
    ids.push_back(id);
  }
  return ids;
}

void BM_UserKey(benchmark::State& state) {
  const KeyHasher hasher = KeyHasher::Public();
  const std::vector<std::string> ids = Ids(static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hasher.UserKey(ids[i++ & 1023]));
  }
}
BENCHMARK(BM_UserKey)->Arg(6)->Arg(12)->Arg(36);

}  // namespace
}  // namespace tailor

BENCHMARK_MAIN();
