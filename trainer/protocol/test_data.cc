#include "trainer/protocol/test_data.h"

#include <algorithm>
#include <random>
#include <set>

namespace tailor {
namespace testing {

GeneratedData GenerateClusteredRatings(int users, int items, int clusters,
                                       int per_user, uint64_t seed) {
  std::mt19937_64 rng(seed);
  GeneratedData out;
  out.matrix.rows = users;
  out.matrix.cols = items;
  int64_t time = 1'000'000;
  for (int u = 0; u < users; ++u) {
    const int group = u % clusters;
    std::set<uint32_t> chosen;
    while (static_cast<int>(chosen.size()) < per_user) {
      uint32_t item = static_cast<uint32_t>(rng() % items);
      // Three in four picks come from the user's group (item % clusters).
      if (rng() % 4 != 0) {
        item = static_cast<uint32_t>(item - item % clusters + group);
        if (item >= static_cast<uint32_t>(items)) continue;
      }
      chosen.insert(item);
    }
    for (uint32_t item : chosen) {
      const bool liked = static_cast<int>(item % clusters) == group;
      out.matrix.indices.push_back(item);
      out.matrix.data.push_back(
          static_cast<float>(liked ? 4 + rng() % 2 : 1 + rng() % 2));
      out.timestamps.push_back(time + static_cast<int64_t>(rng() % 1000) * 60);
    }
    time += 3600;
    out.matrix.indptr.push_back(out.matrix.nnz());
  }
  return out;
}

}  // namespace testing
}  // namespace tailor
