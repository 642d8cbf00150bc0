// The checks on the real datasets in ../shared/data (beside the
// checkout), through the `tailor` binary. Skipped when the data is absent.
//
// The expected RFM values were computed by hand from online_retail.csv with
// an independent script applying the ingest policy (drop invoices starting
// with C, empty CustomerID, Quantity <= 0 or UnitPrice <= 0): frequency =
// distinct InvoiceDate values, monetary = sum of Quantity * UnitPrice,
// recency = (latest InvoiceDate of the whole file, 2011-12-09 12:50 -
// customer's latest) in days.

#include <unistd.h>

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "gtest/gtest.h"
#include "tests/marketing/tailor_runner.h"
#include "trainer/marketing/profile_io.h"
#include "trainer/marketing/segment_io.h"

namespace tailor {
namespace {

constexpr char kSource[] = "tests/marketing/marketing_real_data_test.cc";

std::string Tmp(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

TEST(MarketingRealDataTest, OnlineRetailProfilesRfmAndSegments) {
  const std::string data = SharedDataDir(kSource);
  if (data.empty() || access((data + "/online-retail").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "../shared/data/online-retail not present";
  }
  TailorRun r = RunTailor(
      absl::StrCat("ingest --preset=online_retail --input=", data,
                   "/online-retail --output=", Tmp("retail"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunTailor(absl::StrCat("profile --dataset=", Tmp("retail"),
                             " --output=", Tmp("retail_profiles"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json["users"], 4338);  // every customer with a CustomerID
  EXPECT_EQ(r.json["users_with_events"], 4338);
  EXPECT_EQ(r.json["has_monetary"], true);
  auto p = ReadProfiles(PosixFileSystem(), Tmp("retail_profiles/profiles.tpf"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->demographic_names, (std::vector<std::string>{"country"}));
  struct Hand {
    const char* id;
    int64_t frequency, events;
    double monetary, recency_days;
  };
  const Hand hand[] = {
      {"12346", 1, 1, 77183.60, 325.117361},
      {"12347", 7, 182, 4310.00, 1.873611},
      {"17850", 33, 297, 5391.21, 371.890972},
      {"14646", 73, 2076, 280206.02, 1.026389},
      {"18287", 3, 70, 1837.28, 42.139583},
  };
  for (const Hand& h : hand) {
    const auto it =
        std::find(p->external_ids.begin(), p->external_ids.end(), h.id);
    ASSERT_NE(it, p->external_ids.end()) << h.id;
    const int64_t u = it - p->external_ids.begin();
    EXPECT_EQ(p->frequency[u], h.frequency) << h.id;
    EXPECT_EQ(p->events[u], h.events) << h.id;
    // Amounts are stored as float32 per line; the sum keeps ~7 digits.
    EXPECT_NEAR(p->monetary[u], h.monetary, 1e-6 * h.monetary + 0.01) << h.id;
    EXPECT_NEAR(p->recency_days[u], h.recency_days, 1e-5) << h.id;
  }
  EXPECT_EQ(p->demographics[std::find(p->external_ids.begin(),
                                      p->external_ids.end(), "12346") -
                            p->external_ids.begin()][0],
            "United Kingdom");
  r = RunTailor(absl::StrCat(
      "segment --dataset=", Tmp("retail"), " --output=", Tmp("retail_segments"),
      " --html=", Tmp("retail_segments.html"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int64_t kmeans_total = 0, rfm_total = 0;
  for (const auto& s : r.json["kmeans_sizes"]) {
    kmeans_total += s.begin().value().get<int64_t>();
  }
  for (const auto& [name, size] : r.json["rfm_sizes"].items()) {
    rfm_total += size.get<int64_t>();
  }
  EXPECT_EQ(kmeans_total, 4338);
  EXPECT_EQ(rfm_total, 4338);
  EXPECT_GT(r.json["rfm_sizes"].value("Champions", 0), 0);
  EXPECT_GT(r.json["rfm_sizes"].value("Lost", 0), 0);
  for (const auto& row : r.json["k_report"]) {
    EXPECT_TRUE(row["silhouette"].is_number());
  }
  std::string html;
  ASSERT_TRUE(
      ReadFileToString(PosixFileSystem(), Tmp("retail_segments.html")).ok());
}

TEST(MarketingRealDataTest, MovieLensDemographicsAndGenreShares) {
  const std::string data = SharedDataDir(kSource);
  if (data.empty() || access((data + "/movielens-100k").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "../shared/data/movielens-100k not present";
  }
  TailorRun r = RunTailor(
      absl::StrCat("ingest --preset=movielens100k --input=", data,
                   "/movielens-100k --output=", Tmp("ml100k"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunTailor(absl::StrCat("profile --dataset=", Tmp("ml100k"),
                             " --output=", Tmp("ml_profiles"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json["has_monetary"], false);  // ratings are not money
  EXPECT_EQ(r.json["category_source"], "genres");
  auto p = ReadProfiles(PosixFileSystem(), Tmp("ml_profiles/profiles.tpf"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 943);
  EXPECT_EQ(p->demographic_names,
            (std::vector<std::string>{"age", "gender", "occupation", "zip"}));
  EXPECT_EQ(p->category_names.size(), 19u);  // u.genre, incl. "unknown"
  for (int64_t u = 0; u < p->size(); ++u) {
    double sum = 0;
    for (int64_t k = p->interest_indptr[u]; k < p->interest_indptr[u + 1];
         ++k) {
      sum += p->interest_share[k];
    }
    ASSERT_NEAR(sum, 1.0, 1e-5) << "user " << p->external_ids[u];
    ASSERT_TRUE(std::isnan(p->monetary[u]));
    ASSERT_FALSE(p->demographics[u][0].empty());
  }
  r = RunTailor(absl::StrCat("content --dataset=", Tmp("ml100k"),
                             " --output=", Tmp("ml_content"), " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json["items"], 1682);
  EXPECT_EQ(r.json["text_attributes"], nlohmann::json::array({"title"}));
}

}  // namespace
}  // namespace tailor
