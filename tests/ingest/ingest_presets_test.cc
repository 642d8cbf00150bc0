// The presets end to end on small generated fixtures shaped like the real
// files: MovieLens 100K (tab/pipe separated, gzip, ISO-8859-1 titles),
// Online Retail (xz, quoted descriptions, policies) and `tailor synth`
// output (quoted titles with commas).

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/ingest/ingest.h"
#include "tools/ingest/presets.h"
#include "tools/ingest/test_util.h"

namespace tailor {
namespace {

absl::StatusOr<IngestResult> Ingest(FileSystem* fs, const std::string& preset,
                                    const std::string& input,
                                    const std::string& output) {
  TAILOR_ASSIGN_OR_RETURN(IngestSpec spec, PresetSpec(fs, preset, input));
  IngestOptions o;
  o.fs = fs;
  o.spec = spec;
  o.output_dir = output;
  o.on_error = OnError::kFail;
  return RunIngest(o);
}

TEST(IngestPresetsTest, MovieLensShapedFixture) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/ml"), IsOk());
  std::string data;
  int ratings = 0;
  for (int u = 1; u <= 5; ++u) {
    for (int i = 1; i <= 4; ++i) {
      if ((u + i) % 3 == 0) continue;
      ++ratings;
      data += absl::StrCat(u, "\t", i, "\t", 1 + (u * i) % 5, "\t",
                           881250949 + u * 100 + i, "\n");
    }
  }
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ml/u.data.gz", GzipCompress(data)),
              IsOk());
  std::string users;
  for (int u = 1; u <= 5; ++u) {
    users += absl::StrCat(u, "|", 20 + u, "|", u % 2 ? "M" : "F",
                          "|writer|9410", u, "\n");
  }
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ml/u.user.gz", GzipCompress(users)),
              IsOk());
  std::string items;
  for (int i = 1; i <= 4; ++i) {
    items += absl::StrCat(i, "|Caf\xE9 ", i, " (1995)|01-Jan-1995||http://x|");
    for (int g = 0; g < 19; ++g) {
      items +=
          absl::StrCat(g == i || g == 2 * i ? "1" : "0", g < 18 ? "|" : "");
    }
    items += "\n";
  }
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ml/u.item", items), IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r,
                              Ingest(fs.get(), "movielens100k", "/ml", "/out"));
  EXPECT_EQ(r.manifest.users, 5);
  EXPECT_EQ(r.manifest.items, 4);
  EXPECT_EQ(r.manifest.interactions, ratings);
  EXPECT_TRUE(r.manifest.rejected.empty());
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/out"));
  EXPECT_EQ(ds->manifest().user_attributes,
            (std::vector<std::string>{"age", "gender", "occupation", "zip"}));
  const int64_t item2 = ds->items().Find(KeyHasher::Public().ItemKey("2"));
  ASSERT_GE(item2, 0);
  EXPECT_EQ(ds->items().attributes[item2][0], "Caf\xC3\xA9 2 (1995)");
  EXPECT_EQ(ds->items().attributes[item2].back(), "Adventure|Children's");
  const int64_t user3 = ds->users().Find(KeyHasher::Public().UserKey("3"));
  ASSERT_GE(user3, 0);
  EXPECT_EQ(ds->users().attributes[user3][0], "23");
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  EXPECT_EQ(um.matrix.nnz(), ratings);
  EXPECT_EQ(um.timestamps.size(), static_cast<size_t>(ratings));
}

TEST(IngestPresetsTest, OnlineRetailShapedFixtureAddsUpByReason) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/r"), IsOk());
  std::string csv =
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
      "CustomerID,Country\r\n";
  int expected_accepted = 0;
  for (int i = 0; i < 200; ++i) {
    const bool cancel = i % 10 == 0;
    const bool anon = i % 7 == 0;
    const bool free_item = i % 13 == 0;
    if (!cancel && !anon && !free_item) ++expected_accepted;
    csv += absl::StrCat(
        cancel ? "C" : "", 536365 + i, ",", 85000 + i % 17, ",\"THING, NO ",
        i % 17, "\",", cancel ? -2 : 3, ",2010-12-01 08:", 10 + i % 50, ":00,",
        free_item ? "0.0" : "2.55", ",",
        anon ? "" : absl::StrCat(12000 + i % 9, ".0"), ",United Kingdom\r\n");
  }
  ASSERT_THAT(
      WriteStringToFile(fs.get(), "/r/online_retail.csv.xz", XzCompress(csv)),
      IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r,
                              Ingest(fs.get(), "online_retail", "/r", "/out"));
  int64_t rejected = 0;
  for (const auto& [reason, n] : r.manifest.rejected) rejected += n;
  EXPECT_EQ(r.manifest.lines_read, 200);
  EXPECT_EQ(r.manifest.accepted, expected_accepted);
  EXPECT_EQ(r.manifest.accepted + rejected, 200);
  EXPECT_EQ(r.manifest.rejected.at("cancellation"), 20);
  EXPECT_GT(r.manifest.rejected.at("missing_user_id"), 0);
  EXPECT_GT(r.manifest.rejected.at("non_positive_price"), 0);
  EXPECT_TRUE(r.manifest.has_amounts);
  EXPECT_EQ(r.manifest.sources[0].compression, "xz");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/out"));
  EXPECT_EQ(ds->users().external_ids[0].find('.'), std::string::npos);
}

TEST(IngestPresetsTest, SynthShapedFixtureWithQuotedTitles) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/s"), IsOk());
  ASSERT_THAT(
      WriteStringToFile(fs.get(), "/s/interactions.csv.gz",
                        GzipCompress("user_id,item_id,value,timestamp,price\n"
                                     "u1,i1,1,1400000000,9.5\n"
                                     "u2,i1,1,1400000100,9.5\n"
                                     "u1,i2,1,1400000200,3\n")),
      IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/s/users.csv",
                                "user_id,age_band,gender,country,signup_date\n"
                                "u1,25-34,F,DE,2013-01-02\n"
                                "u2,35-44,M,FR,2013-02-03\n"
                                "u3,18-24,F,US,2013-03-04\n"),
              IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/s/items.csv",
                                "item_id,category,price,title\n"
                                "i1,books,9.5,\"Salt, Fat, \"\"Acid\"\"\"\n"
                                "i2,garden,3,Hose\n"),
              IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestResult r,
                              Ingest(fs.get(), "synth", "/s", "/out"));
  EXPECT_EQ(r.manifest.users, 3);  // u3 only in users.csv
  EXPECT_EQ(r.manifest.items, 2);
  EXPECT_EQ(r.manifest.interactions, 3);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto ds, Dataset::Open(fs.get(), "/out"));
  EXPECT_EQ(ds->manifest().item_attributes,
            (std::vector<std::string>{"category", "price", "title"}));
  const int64_t i1 = ds->items().Find(KeyHasher::Public().ItemKey("i1"));
  ASSERT_GE(i1, 0);
  EXPECT_EQ(ds->items().attributes[i1][2], "Salt, Fat, \"Acid\"");
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  EXPECT_EQ(um.amounts.size(), 3u);
}

}  // namespace
}  // namespace tailor
