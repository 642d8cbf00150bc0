// End to end through the `tailor` binary on a small generated retail log:
// ingest -> profile -> segment -> content -> export bundle -> inspect, and
// the bad-input paths (users without attributes, items without text, empty
// categories, k larger than the number of users).

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/model/model_version.h"
#include "gtest/gtest.h"
#include "tests/marketing/tailor_runner.h"
#include "trainer/marketing/content_io.h"
#include "trainer/marketing/profile_io.h"
#include "trainer/marketing/segment_io.h"

namespace tailor {
namespace {

constexpr int kUsers = 60;

class MarketingE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/marketing_e2e");
    WriteSmallRetailLog(*dir_ + "/raw", kUsers);
    const TailorRun r =
        RunTailor(SmallRetailIngestArgs(*dir_ + "/raw", *dir_ + "/ds"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }
  static std::string* dir_;
};
std::string* MarketingE2eTest::dir_ = nullptr;

TEST_F(MarketingE2eTest, ProfileWritesCsvBinaryAndHtml) {
  const TailorRun r = RunTailor(absl::StrCat(
      "profile --dataset=", Path("ds"), " --output=", Path("profiles"),
      " --html=", Path("profiles.html"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.json.is_object()) << r.out;
  EXPECT_EQ(r.json["users"], kUsers);
  EXPECT_EQ(r.json["has_monetary"], true);
  EXPECT_EQ(r.json["category_source"], "category");
  auto p = ReadProfiles(PosixFileSystem(), Path("profiles/profiles.tpf"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), kUsers);
  EXPECT_EQ(p->demographic_names, (std::vector<std::string>{"country", "age"}));
  for (int64_t u = 0; u < p->size(); ++u) {
    double sum = 0;
    for (int64_t k = p->interest_indptr[u]; k < p->interest_indptr[u + 1]; ++k)
      sum += p->interest_share[k];
    EXPECT_NEAR(sum, 1.0, 1e-5) << p->external_ids[u];
    EXPECT_GT(p->monetary[u], 0);
  }
  // Users without attributes have empty demographics, not an error.
  const auto it =
      std::find(p->external_ids.begin(), p->external_ids.end(), "c1");
  ASSERT_NE(it, p->external_ids.end());
  EXPECT_EQ(p->demographics[it - p->external_ids.begin()],
            (std::vector<std::string>{"", ""}));
  std::ifstream csv(Path("profiles/profiles.csv"));
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, kUsers + 1);
  std::stringstream html;
  html << std::ifstream(Path("profiles.html")).rdbuf();
  EXPECT_NE(html.str().find("<svg"), std::string::npos);
  EXPECT_NE(html.str().find("Lifecycle stages"), std::string::npos);
}

TEST_F(MarketingE2eTest, SegmentKMeansAndRfmWithAffinity) {
  const TailorRun r = RunTailor(absl::StrCat(
      "segment --dataset=", Path("ds"), " --output=", Path("segments"),
      " --segment_k_min=2 --segment_k_max=5 --html=", Path("segments.html"),
      " --seed=3 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.json.is_object()) << r.out;
  EXPECT_EQ(r.json["k_report"].size(), 4u);
  int64_t total = 0;
  for (const auto& s : r.json["kmeans_sizes"])
    total += s.begin().value().get<int64_t>();
  EXPECT_EQ(total, kUsers);
  auto a = ReadSegmentAssignments(PosixFileSystem(),
                                  Path("segments/assignments.tsa"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->kmeans_names.size(), r.json["k"].get<size_t>());
  std::vector<uint64_t> keys;
  auto aff = ReadItemAffinity(PosixFileSystem(),
                              Path("segments/item_affinity_kmeans.tia"), &keys);
  ASSERT_TRUE(aff.ok()) << aff.status();
  EXPECT_EQ(keys.size(), 30u);
  // The three behaviour groups buy disjoint item ranges, so some segment
  // has an item with lift well above 1.
  float max_lift = 0;
  for (float v : aff->lift.data) max_lift = std::max(max_lift, v);
  EXPECT_GT(max_lift, 1.5f);
  // Same seed, same segments.
  const TailorRun again = RunTailor(absl::StrCat(
      "segment --dataset=", Path("ds"), " --output=", Path("segments2"),
      " --segment_k_min=2 --segment_k_max=5 --seed=3 --threads=1 --json"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto b = ReadSegmentAssignments(PosixFileSystem(),
                                  Path("segments2/assignments.tsa"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->kmeans, b->kmeans);
  EXPECT_EQ(a->rfm, b->rfm);
}

TEST_F(MarketingE2eTest, KLargerThanUsersIsAClearError) {
  const TailorRun r =
      RunTailor(absl::StrCat("segment --dataset=", Path("ds"),
                             " --output=", Path("bad"), " --segment_k=1000"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--segment_k=1000 is larger than the number of users "
                       "with events"),
            std::string::npos)
      << r.err;
}

TEST_F(MarketingE2eTest, ContentVectorsAndItemsWithoutText) {
  const TailorRun r = RunTailor(absl::StrCat("content --dataset=", Path("ds"),
                                             " --output=", Path("content"),
                                             " --content_min_df=1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json["items_without_terms"], 1);  // p29: no text, no category
  std::vector<uint64_t> keys;
  auto v = ReadSparseVectors(PosixFileSystem(),
                             Path("content/item_vectors.tcv"), &keys);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->rows, 30);
  auto voc = ReadVocabulary(PosixFileSystem(), Path("content/vocabulary.tvc"));
  ASSERT_TRUE(voc.ok());
  EXPECT_NE(std::find(voc->terms.begin(), voc->terms.end(), "caf\xc3\xa9"),
            voc->terms.end());
  EXPECT_NE(std::find(voc->terms.begin(), voc->terms.end(), "\xc3\xbcnique"),
            voc->terms.end());  // Ü lowercased
  EXPECT_NE(std::find(voc->terms.begin(), voc->terms.end(), "category=gift"),
            voc->terms.end());
  const TailorRun bad = RunTailor(absl::StrCat(
      "content --dataset=", Path("ds"), " --output=", Path("content_bad"),
      " --content_text_attributes=title"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'title' is not an item attribute"), std::string::npos)
      << bad.err;
}

TEST_F(MarketingE2eTest, ExportBundlesArtifactsIntoANewVersion) {
  for (const char* cmd : {"profile", "segment", "content"}) {
    const TailorRun r = RunTailor(absl::StrCat(
        cmd, " --dataset=", Path("ds"),
        " --output=", Path(absl::StrCat("b_", cmd)), " --segment_k=3 --json"));
    // --segment_k is a flag of segment only; the others refuse it.
    if (std::string(cmd) == "segment") {
      ASSERT_EQ(r.exit_code, 0) << r.err;
    } else {
      ASSERT_NE(r.exit_code, 0);
      const TailorRun plain = RunTailor(
          absl::StrCat(cmd, " --dataset=", Path("ds"),
                       " --output=", Path(absl::StrCat("b_", cmd)), " --json"));
      ASSERT_EQ(plain.exit_code, 0) << plain.err;
    }
  }
  // A trained model version stand-in: 4-factor tables keyed like the data.
  FileSystem* fs = PosixFileSystem();
  auto ds = Dataset::Open(fs, Path("ds"));
  ASSERT_TRUE(ds.ok()) << ds.status();
  FactorTable users((*ds)->users().size(), 4), items((*ds)->items().size(), 4);
  users.keys() = (*ds)->users().keys;
  items.keys() = (*ds)->items().keys;
  for (int64_t i = 0; i < users.rows(); ++i) users.Row(i)[i % 4] = 1;
  ModelVersionContents c;
  c.algorithm = "ials";
  c.factors = 4;
  c.user_factors = &users;
  c.item_factors = &items;
  c.metrics["ndcg@10"] = 0.25;
  auto v1 = ExportModelVersion(fs, Path("models"), "shop", c);
  ASSERT_TRUE(v1.ok()) << v1.status();
  // Segments can also use the model's user factors.
  const TailorRun with_factors = RunTailor(absl::StrCat(
      "segment --dataset=", Path("ds"), " --output=", Path("b_segment_f"),
      " --segment_k=3 --segment_user_factors=", *v1, " --json"));
  ASSERT_EQ(with_factors.exit_code, 0) << with_factors.err;
  const TailorRun bundle = RunTailor(absl::StrCat(
      "export --export_from=", *v1, " --export_profiles=", Path("b_profile"),
      " --export_segments=", Path("b_segment"),
      " --export_content=", Path("b_content"),
      // The stand-in manifest names no dataset; the ranker's files
      // (catalogue, popularity, history) are built from it.
      " --export_dataset=", Path("ds"), " --json"));
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  const std::string v2 = bundle.json["version_dir"];
  EXPECT_NE(v2, *v1);
  const TailorRun inspect = RunTailor("export --json --inspect=" + v2);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(inspect.json["has_profiles"], true);
  EXPECT_EQ(inspect.json["has_segments"], true);
  EXPECT_EQ(inspect.json["has_content"], true);
  EXPECT_EQ(inspect.json["algorithm"], "ials");
  auto m = ReadModelManifest(fs, v2);
  ASSERT_TRUE(m.ok()) << m.status();
  auto p = ReadProfiles(fs, v2 + "/profiles/profiles.tpf");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->size(), kUsers);
  const TailorRun text = RunTailor("export --inspect=" + v2);
  EXPECT_NE(text.out.find("segments/"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("user_factors.tft"), std::string::npos);
}

TEST_F(MarketingE2eTest, HelpExitsZero) {
  for (const char* cmd : {"profile", "segment", "content", "export"}) {
    const TailorRun r = RunTailor(absl::StrCat(cmd, " --help"));
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
  }
}

}  // namespace
}  // namespace tailor
