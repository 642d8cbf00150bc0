// Loading a model version directory written through ExportModelVersion.
#include "ranker/model/model_loader.h"

#include <string>

#include "core/artifacts/segment_io.h"
#include "core/artifacts/sparse_vectors.h"
#include "core/file_system.h"
#include "core/model/model_version.h"
#include "gtest/gtest.h"
#include "ranker/model/test_model.h"

namespace tailor::ranker {
namespace {

std::string Bytes(FileSystem* fs, const std::string& path) {
  auto s = ReadFileToString(fs, path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

// Writes the test model as version 1 of "shop" under /models.
std::string WriteVersion(FileSystem* fs, bool with_catalogue = true) {
  const HybridModelData d = MakeTestModelData();
  FactorTable items(7, 2);  // item 7 has no factors
  for (int i = 0; i < 7; ++i) {
    items.keys()[i] = d.catalogue.keys[i];
    items.Row(i)[0] = d.item_factors[i * 2];
    items.Row(i)[1] = d.item_factors[i * 2 + 1];
  }
  ModelVersionContents c;
  c.algorithm = "ials";
  c.factors = 2;
  c.hyperparameters = {{"job_spec", "algorithm: \"ials\" regularization: 0.5"}};
  c.item_factors = &items;
  c.user_factors = &d.user_factors;
  if (with_catalogue) {
    c.extra_files.push_back({kCatalogueFile, CatalogueToTsv(d.catalogue)});
    c.extra_files.push_back(
        {kPopularityFile, PopularityToTsv(d.popularity, d.catalogue.keys)});
    // History columns are catalogue rows.
    EXPECT_TRUE(
        WriteSparseVectors(fs, "/h.tcv", d.user_history_keys, d.user_history)
            .ok());
    c.extra_files.push_back({kUserHistoryFile, Bytes(fs, "/h.tcv")});
  }
  EXPECT_TRUE(
      WriteSparseVectors(fs, "/v.tcv", d.catalogue.keys, d.item_vectors).ok());
  c.extra_files.push_back({kItemVectorsFile, Bytes(fs, "/v.tcv")});
  EXPECT_TRUE(WriteSegmentAssignments(fs, "/a.tsa", d.segments).ok());
  c.extra_files.push_back({kSegmentAssignmentsFile, Bytes(fs, "/a.tsa")});
  EXPECT_TRUE(
      WriteItemAffinity(fs, "/f.tia", d.affinity, d.catalogue.keys).ok());
  c.extra_files.push_back({kSegmentAffinityFile, Bytes(fs, "/f.tia")});
  auto dir = ExportModelVersion(fs, "/models", "shop", c);
  EXPECT_TRUE(dir.ok()) << dir.status();
  return dir.ok() ? *dir : "";
}

TEST(ModelLoaderTest, LoadsEveryPartAndRanks) {
  auto fs = NewInMemoryFileSystem();
  const std::string dir = WriteVersion(fs.get());
  auto loaded = HybridModelLoader(fs.get())(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const Servable& m = **loaded;
  EXPECT_EQ(m.items(), 8);
  EXPECT_EQ(m.users(), 2);
  tailor::v1::RankRequest r;
  r.set_user_key(kBlueUser);
  r.set_count(3);
  r.mutable_context()->set_country("GB");
  auto out = m.Rank(r, RankCall{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->user_segment(), "blue lovers");
  EXPECT_FALSE(out->cold_start());
  r.set_explain(true);
  out = m.Rank(r, RankCall{});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->items_size(), 3);
  // The blue items with factors; i5 is the GB context's favourite.
  for (const auto& item : out->items()) {
    EXPECT_TRUE(item.item_id() == "i4" || item.item_id() == "i5" ||
                item.item_id() == "i6")
        << out->DebugString();
    EXPECT_EQ(item.components().context() > 0, item.item_id() == "i5");
    EXPECT_GT(item.components().content(), 0.0f);
  }
}

TEST(ModelLoaderTest, FoldInParametersComeFromTheJobSpec) {
  nlohmann::json manifest = {
      {"hyperparameters",
       {{"job_spec", "algorithm: \"ials\" regularization: 0.5 alpha: 4"}}}};
  const BlendWeights b = DefaultBlend(manifest);
  EXPECT_FLOAT_EQ(b.fold_in_regularization, 0.5f);
  EXPECT_FLOAT_EQ(b.fold_in_alpha, 4.0f);
}

TEST(ModelLoaderTest, WithoutCatalogueItemsAreKnownByKey) {
  auto fs = NewInMemoryFileSystem();
  const std::string dir = WriteVersion(fs.get(), /*with_catalogue=*/false);
  auto m = LoadHybridModel(fs.get(), dir);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->items(), 7);
  EXPECT_EQ((*m)->data().catalogue.ids[0], "000000000000000b");
}

TEST(ModelLoaderTest, CorruptFileIsRefusedNamingIt) {
  auto fs = NewInMemoryFileSystem();
  const std::string dir = WriteVersion(fs.get());
  const std::string path = JoinPath(dir, kCatalogueFile);
  std::string bytes = Bytes(fs.get(), path);
  bytes[bytes.size() / 2] ^= 0x20;
  ASSERT_TRUE(WriteStringToFile(fs.get(), path, bytes).ok());
  auto m = LoadHybridModel(fs.get(), dir);
  EXPECT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find(kCatalogueFile), std::string::npos)
      << m.status();
}

TEST(ModelLoaderTest, MissingDirectoryIsAnError) {
  auto fs = NewInMemoryFileSystem();
  EXPECT_FALSE(LoadHybridModel(fs.get(), "/models/shop/9").ok());
}

}  // namespace
}  // namespace tailor::ranker
