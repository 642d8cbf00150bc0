#ifndef TAILOR_RANKER_MODEL_TEST_MODEL_H_
#define TAILOR_RANKER_MODEL_TEST_MODEL_H_

// A small hand-made hybrid model for tests: 8 items in two categories
// ("red": items 0-3, "blue": 4-7) with prices 1..8, 2 factors (items 0-3
// load on factor 0, items 4-6 on factor 1, item 7 has no factors), content
// terms (term 0 = red, 1 = blue, 2 + i unique to item i), users 100 (likes
// red, history 0 and 1, segment 0) and 200 (likes blue, history 4, segment
// 1), popularity overall (item 7 the most popular) and by country (GB
// prefers item 5).

#include "ranker/model/model_data.h"

namespace tailor::ranker {

inline constexpr uint64_t kRedUser = 100;
inline constexpr uint64_t kBlueUser = 200;

// Item keys are 11, 22, ..., 88 (row i has key 11 * (i + 1)); ids "i0".."i7".
HybridModelData MakeTestModelData();

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_MODEL_TEST_MODEL_H_
