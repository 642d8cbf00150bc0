#ifndef TAILOR_TRAINER_SGD_TEST_MATRICES_H_
#define TAILOR_TRAINER_SGD_TEST_MATRICES_H_

// Small seeded matrices for the SGD tests: ratings from a low-rank model
// plus noise (1..5), and implicit interactions with power-law popularity.

#include <cstdint>

#include "core/csr_matrix.h"

namespace tailor {

// rows x cols, each row with about `density` * cols ratings (at least 1
// unless empty_rows > 0: the last `empty_rows` rows have none).
CsrMatrix RandomRatings(int64_t rows, int64_t cols, double density,
                        uint64_t seed, int64_t empty_rows = 0);

// Implicit data (all values 1): row r samples ~density * cols items with
// probability proportional to (rank + 5)^-1.
CsrMatrix RandomImplicit(int64_t rows, int64_t cols, double density,
                         uint64_t seed);

}  // namespace tailor

#endif  // TAILOR_TRAINER_SGD_TEST_MATRICES_H_
