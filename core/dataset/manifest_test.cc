#include "core/dataset/manifest.h"

#include "core/status_matchers.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

DatasetManifest Sample() {
  DatasetManifest m;
  m.preset = "online_retail";
  m.lines_read = 10;
  m.accepted = 7;
  m.rejected = {{"cancellation", 2}, {"bad_value", 1}};
  m.users = 3;
  m.items = 4;
  m.interactions = 7;
  m.has_timestamps = true;
  m.min_timestamp = 100;
  m.max_timestamp = 200;
  m.user_key_hashing = "pseudonymized";
  m.user_attributes = {"country"};
  m.policy = {"cancellations rejected"};
  m.sources.push_back({"interactions", "in.csv", "xz", 10, 7});
  m.user_major.push_back({"user_major/part-00000.blk", 0, 3, 7});
  m.item_major.push_back({"item_major/part-00000.blk", 0, 4, 7});
  m.files.push_back({"users.tsv", 55, 0xfffffffeu});
  m.ingest_seconds = 1.5;
  return m;
}

TEST(ManifestTest, RoundTrips) {
  const DatasetManifest m = Sample();
  const std::string json = ManifestToJson(m);
  EXPECT_THAT(json, HasSubstr("\"lines_read\": 10"));
  EXPECT_THAT(json, HasSubstr("\"crc32c\": 4294967294"));
  TAILOR_ASSERT_OK_AND_ASSIGN(DatasetManifest back,
                              ManifestFromJson(json, "m.json"));
  EXPECT_EQ(ManifestToJson(back), json);
  EXPECT_EQ(back.rejected.at("cancellation"), 2);
  EXPECT_EQ(back.files[0].crc32c, 0xfffffffeu);
}

TEST(ManifestTest, MissingFieldIsNamed) {
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"interactions\""), 14, "\"interactionz\"");
  EXPECT_THAT(ManifestFromJson(json, "m.json"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("m.json"), HasSubstr("interactions"))));
}

TEST(ManifestTest, RejectsGarbageAndOtherVersions) {
  EXPECT_THAT(ManifestFromJson("{not json", "m.json"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("m.json")));
  std::string json = ManifestToJson(Sample());
  json.replace(json.find("\"format_version\": 1"), 19, "\"format_version\": 9");
  EXPECT_THAT(ManifestFromJson(json, "m.json"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("format_version 9")));
}

}  // namespace
}  // namespace tailor
