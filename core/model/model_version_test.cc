#include "core/model/model_version.h"

#include <memory>

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FactorTable SmallTable(int rows, int dim) {
  FactorTable table(rows, dim);
  for (int r = 0; r < rows; ++r) {
    table.keys()[r] = 10 * (r + 1);
    for (int d = 0; d < dim; ++d) table.Row(r)[d] = 0.5f * r - d;
  }
  return table;
}

ModelVersionContents Contents(const FactorTable* users,
                              const FactorTable* items) {
  ModelVersionContents contents;
  contents.algorithm = "ials";
  contents.factors = 4;
  contents.hyperparameters = {{"regularization", 0.1}};
  contents.dataset_fingerprint = "crc32c:00000000";
  contents.metrics = {{"ndcg@10", 0.25}};
  contents.user_factors = users;
  contents.item_factors = items;
  contents.extra_files = {{"similar/items.bin", "abc"}};
  return contents;
}

TEST(ModelVersionTest, ExportThenReadVerifiesEveryFile) {
  auto fs = NewInMemoryFileSystem();
  FactorTable users = SmallTable(3, 4), items = SmallTable(5, 4);
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string dir,
                              ExportModelVersion(fs.get(), "/models", "shop",
                                                 Contents(&users, &items)));
  EXPECT_EQ(dir, "/models/shop/1");
  TAILOR_ASSERT_OK_AND_ASSIGN(nlohmann::json manifest,
                              ReadModelManifest(fs.get(), dir));
  EXPECT_EQ(manifest["algorithm"], "ials");
  EXPECT_EQ(manifest["files"].size(), 3u);
  EXPECT_DOUBLE_EQ(manifest["metrics"]["ndcg@10"].get<double>(), 0.25);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      FactorTable read, ReadFactorTable(fs.get(), dir + "/item_factors.tft"));
  EXPECT_EQ(read.rows(), 5);
}

TEST(ModelVersionTest, VersionsIncreaseAndNeverOverwrite) {
  auto fs = NewInMemoryFileSystem();
  FactorTable items = SmallTable(2, 4);
  TAILOR_ASSERT_OK(
      ExportModelVersion(fs.get(), "/m", "a", Contents(nullptr, &items))
          .status());
  TAILOR_ASSERT_OK(
      ExportModelVersion(fs.get(), "/m", "a", Contents(nullptr, &items))
          .status());
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<int64_t> versions,
                              ListModelVersions(fs.get(), "/m", "a"));
  EXPECT_THAT(versions, ElementsAre(1, 2));
  EXPECT_THAT(
      ExportModelVersion(fs.get(), "/m", "a", Contents(nullptr, &items), 2),
      StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(ModelVersionTest, CorruptFileIsRejectedByName) {
  auto fs = NewInMemoryFileSystem();
  FactorTable items = SmallTable(2, 4);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      std::string dir,
      ExportModelVersion(fs.get(), "/m", "a", Contents(nullptr, &items)));
  TAILOR_ASSERT_OK(
      WriteStringToFile(fs.get(), dir + "/similar/items.bin", "abd"));
  EXPECT_THAT(ReadModelManifest(fs.get(), dir),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("items.bin")));
}

TEST(ModelVersionTest, TruncatedManifestIsRejected) {
  auto fs = NewInMemoryFileSystem();
  FactorTable items = SmallTable(2, 4);
  TAILOR_ASSERT_OK_AND_ASSIGN(
      std::string dir,
      ExportModelVersion(fs.get(), "/m", "a", Contents(nullptr, &items)));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      std::string text, ReadFileToString(fs.get(), dir + "/manifest.json"));
  TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), dir + "/manifest.json",
                                     text.substr(0, text.size() / 2)));
  EXPECT_THAT(
      ReadModelManifest(fs.get(), dir),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("manifest.json")));
}

TEST(ModelVersionTest, RejectsEscapingFileNamesAndBadModelNames) {
  auto fs = NewInMemoryFileSystem();
  ModelVersionContents contents = Contents(nullptr, nullptr);
  contents.extra_files = {{"../evil", "x"}};
  EXPECT_THAT(ExportModelVersion(fs.get(), "/m", "a", contents),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ExportModelVersion(fs.get(), "/m", "a/b", Contents(nullptr, nullptr)),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tailor
