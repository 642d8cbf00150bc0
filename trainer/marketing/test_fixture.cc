#include "trainer/marketing/test_fixture.h"

namespace tailor {

MarketingFixture MakeMarketingFixture() {
  constexpr int64_t h = 3600, d = 86400, t0 = kFixtureDay0;
  MarketingFixture f;
  f.users.attribute_names = {"age", "gender"};
  f.users.keys = {10, 11, 12, 13};
  f.users.external_ids = {"u0", "u1", "u2", "u3"};
  f.users.attributes = {{"30", "F"}, {"40", "M"}, {"", ""}, {"30", "M"}};
  f.items.attribute_names = {"title", "genres"};
  f.items.keys = {20, 21, 22};
  f.items.external_ids = {"i0", "i1", "i2"};
  f.items.attributes = {
      {"Red Caf\xc3\xa9 Mug", "A|B"}, {"Blue Mug", "B"}, {"", ""}};
  CsrMatrix& m = f.block.matrix;
  m.rows = 4;
  m.cols = 3;
  m.indptr = {0, 3, 4, 4, 6};
  m.indices = {0, 0, 1, 2, 0, 2};
  m.data = {1, 1, 1, 1, 1, 1};
  f.block.timestamps = {t0 + 10 * h,  t0 + 10 * h, t0 + 10 * d + 15 * h,
                        t0 + 100 * d, t0 + 50 * d, t0 + 60 * d + h};
  f.block.amounts = {5, 3, 2, 7, 1, 4};
  f.manifest.users = 4;
  f.manifest.items = 3;
  f.manifest.interactions = 6;
  f.manifest.has_timestamps = true;
  f.manifest.has_amounts = true;
  f.manifest.min_timestamp = t0 + 10 * h;
  f.manifest.max_timestamp = t0 + 100 * d;
  f.manifest.user_attributes = f.users.attribute_names;
  f.manifest.item_attributes = f.items.attribute_names;
  return f;
}

}  // namespace tailor
