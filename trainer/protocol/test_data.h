#ifndef TAILOR_TRAINER_PROTOCOL_TEST_DATA_H_
#define TAILOR_TRAINER_PROTOCOL_TEST_DATA_H_

// Small generated interaction data for the protocol tests (testonly): users
// and items belong to `clusters` groups; a user rates mostly items of its
// own group (rating 4-5) and a few others (rating 1-2), at increasing
// timestamps. Deterministic for the seed.

#include <cstdint>
#include <vector>

#include "core/csr_matrix.h"

namespace tailor {
namespace testing {

struct GeneratedData {
  CsrMatrix matrix;  // users x items, ratings in 1..5
  std::vector<int64_t> timestamps;
};

GeneratedData GenerateClusteredRatings(int users = 120, int items = 80,
                                       int clusters = 4, int per_user = 16,
                                       uint64_t seed = 7);

}  // namespace testing
}  // namespace tailor

#endif  // TAILOR_TRAINER_PROTOCOL_TEST_DATA_H_
