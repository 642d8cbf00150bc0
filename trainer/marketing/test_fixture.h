#ifndef TAILOR_TRAINER_MARKETING_TEST_FIXTURE_H_
#define TAILOR_TRAINER_MARKETING_TEST_FIXTURE_H_

// A tiny hand-written dataset for the marketing tests (test-only).
//   users: u0 (age 30, F), u1 (age 40, M), u2 (no events, no attributes),
//          u3 (age 30, M)
//   items: i0 "Red Café Mug" genres A|B, i1 "Blue Mug" genres B,
//          i2 "" (no text, no genre)
//   day D = 2024-01-01 (a Monday) 00:00 UTC = 1704067200
//   u0: i0 at D+10h (amount 5), i0 at D+10h (amount 3), i1 at D+10d+15h (2)
//   u1: i2 at D+100d (amount 7)              -> the dataset end time
//   u3: i0 at D+50d (1), i2 at D+60d+1h (4)

#include <cstdint>

#include "core/dataset/dataset.h"

namespace tailor {

inline constexpr int64_t kFixtureDay0 = 1704067200;

struct MarketingFixture {
  DatasetManifest manifest;
  EntityColumns users;
  EntityColumns items;
  SparseBlock block;  // user-major
};

MarketingFixture MakeMarketingFixture();

}  // namespace tailor

#endif  // TAILOR_TRAINER_MARKETING_TEST_FIXTURE_H_
