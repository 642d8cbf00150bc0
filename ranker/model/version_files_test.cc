// The ranker files computed from a small written dataset load back into a
// model that ranks with them.
#include "ranker/model/version_files.h"

#include <cmath>
#include <string>

#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "gtest/gtest.h"
#include "ranker/model/model_loader.h"

namespace tailor::ranker {
namespace {

// Users a (GB) and b (FR); items x, y, z with descriptions and prices; a
// bought x twice and y once, b bought z.
std::unique_ptr<Dataset> WriteDataset(FileSystem* fs) {
  DatasetWriterOptions o;
  o.fs = fs;
  o.output_dir = "/ds";
  auto w = DatasetWriter::Create(o);
  EXPECT_TRUE(w.ok()) << w.status();
  (*w)->users().SetAttributeNames({"country"});
  (*w)->items().SetAttributeNames({"description", "unit_price"});
  struct E {
    const char *user, *country, *item, *desc, *price;
    int64_t ts;
  };
  const E events[] = {{"a", "GB", "x", "RED MUG", "2.5", 3600},
                      {"a", "GB", "x", "RED MUG", "2.5", 7200},
                      {"a", "GB", "y", "BLUE MUG", "3", 7300},
                      {"b", "FR", "z", "GREEN VASE", "", 90000}};
  for (const E& e : events) {
    bool inserted = false;
    auto u = (*w)->users().Intern(100 + e.user[0], e.user, &inserted);
    EXPECT_TRUE(u.ok());
    if (inserted) (*w)->users().SetAttributes(*u, {e.country});
    auto i = (*w)->items().Intern(200 + e.item[0], e.item, &inserted);
    EXPECT_TRUE(i.ok());
    if (inserted) (*w)->items().SetAttributes(*i, {e.desc, e.price});
    EXPECT_TRUE((*w)->Add(*u, *i, 1.0f, e.ts, 1.0f).ok());
  }
  DatasetManifest m;
  m.lines_read = m.accepted = 4;
  m.has_timestamps = true;
  m.has_amounts = true;
  EXPECT_TRUE((*w)->Finish(m).ok());
  auto ds = Dataset::Open(fs, "/ds");
  EXPECT_TRUE(ds.ok()) << ds.status();
  return std::move(*ds);
}

TEST(VersionFilesTest, FilesFromADatasetLoadAndServe) {
  auto fs = NewInMemoryFileSystem();
  std::unique_ptr<Dataset> ds = WriteDataset(fs.get());
  const nlohmann::json manifest = {
      {"hyperparameters", {{"job_spec", "regularization: 0.25 alpha: 3"}}}};
  auto files = RankerVersionFiles(*ds, manifest, {});
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 4u);
  FactorTable items(3, 1);
  items.keys() = ds->items().keys;
  items.data()[0] = 1;
  items.data()[1] = 0.5f;
  items.data()[2] = 0.1f;
  ModelVersionContents c;
  c.algorithm = "ials";
  c.factors = 1;
  c.item_factors = &items;
  c.extra_files = *files;
  auto dir = ExportModelVersion(fs.get(), "/m", "shop", c);
  ASSERT_TRUE(dir.ok()) << dir.status();
  auto model = LoadHybridModel(fs.get(), *dir);
  ASSERT_TRUE(model.ok()) << model.status();
  const HybridModelData& d = (*model)->data();
  EXPECT_EQ(d.catalogue.descriptions[d.catalogue.Find(200 + 'x')], "RED MUG");
  EXPECT_TRUE(std::isnan(d.catalogue.prices[d.catalogue.Find(200 + 'z')]));
  EXPECT_EQ(d.popularity.item_events[d.catalogue.Find(200 + 'x')], 2);
  EXPECT_NE(d.popularity.Find("country", "GB"), nullptr);
  EXPECT_NE(d.popularity.Find("hour", "1"), nullptr);
  EXPECT_FLOAT_EQ(d.blend.fold_in_regularization, 0.25f);
  EXPECT_FLOAT_EQ(d.blend.fold_in_alpha, 3.0f);
  // exclude_seen uses the history: user a has seen x and y.
  tailor::v1::RankRequest r;
  r.set_user_key(100 + 'a');
  r.mutable_filters()->set_exclude_seen(true);
  auto out = (*model)->Rank(r, RankCall{});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->items_size(), 1);
  EXPECT_EQ(out->items(0).item_id(), "z");
}

}  // namespace
}  // namespace tailor::ranker
