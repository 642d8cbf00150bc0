#include "tools/ingest/presets.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

TEST(PresetsTest, MovieLensFindsCompressedOrPlainFiles) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/ml"), IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ml/u.data.gz", "x"), IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/ml/u.item", "x"), IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestSpec spec,
                              PresetSpec(fs.get(), "movielens100k", "/ml"));
  ASSERT_EQ(spec.interactions.size(), 1u);
  EXPECT_EQ(spec.interactions[0].path, "/ml/u.data.gz");
  EXPECT_EQ(spec.interactions[0].format.dialect.delimiter, '\t');
  EXPECT_TRUE(spec.users.empty());  // u.user absent: optional
  ASSERT_EQ(spec.items.size(), 1u);
  EXPECT_TRUE(spec.items[0].format.latin1);
  EXPECT_EQ(spec.items[0].columns.back().flag_names.size(), 19u);
}

TEST(PresetsTest, MovieLensWithoutRatingsIsNotFound) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/ml"), IsOk());
  EXPECT_THAT(PresetSpec(fs.get(), "movielens100k", "/ml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/ml/u.data")));
}

TEST(PresetsTest, OnlineRetailAcceptsFileOrDirectory) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/r"), IsOk());
  ASSERT_THAT(WriteStringToFile(fs.get(), "/r/online_retail.csv.xz", "x"),
              IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(IngestSpec a,
                              PresetSpec(fs.get(), "online_retail", "/r"));
  EXPECT_EQ(a.interactions[0].path, "/r/online_retail.csv.xz");
  EXPECT_EQ(a.interactions[0].cancel_column, "InvoiceNo");
  EXPECT_FALSE(a.policy.empty());
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestSpec b,
      PresetSpec(fs.get(), "online_retail", "/r/online_retail.csv.xz"));
  EXPECT_EQ(b.interactions[0].path, "/r/online_retail.csv.xz");
}

TEST(PresetsTest, UnknownPresetAndMissingInput) {
  auto fs = NewInMemoryFileSystem();
  ASSERT_THAT(fs->CreateDirs("/d"), IsOk());
  EXPECT_THAT(
      PresetSpec(fs.get(), "netflix", "/d"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("movielens100k")));
  EXPECT_THAT(PresetSpec(fs.get(), "synth", "/missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/missing")));
  EXPECT_THAT(PresetSpec(fs.get(), "synth", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor
