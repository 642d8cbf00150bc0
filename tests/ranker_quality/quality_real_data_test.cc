// The quality check on UCI Online Retail (../shared/data beside the
// checkout; skipped when absent): temporal split at 2011-11-01, blend
// learned on October 2011. Prints the table.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "core/file_system.h"
#include "gtest/gtest.h"
#include "tests/ranker_quality/quality.h"

namespace tailor::ranker {
namespace {

constexpr char kSource[] = "tests/ranker_quality/quality_real_data_test.cc";

// ../shared/data next to the checkout, found through the runfiles symlink
// of this source file; "" when absent.
std::string SharedData() {
  char real[PATH_MAX];
  if (realpath(kSource, real) == nullptr) return "";
  std::string path(real);
  const std::string suffix = std::string("/") + kSource;
  if (path.size() <= suffix.size()) return "";
  path.resize(path.size() - suffix.size());
  const std::string data = path + "/../shared/data/online-retail";
  return access(data.c_str(), R_OK) == 0 ? data : "";
}

int64_t Day(const char* text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err));
  return absl::ToUnixSeconds(t);
}

TEST(QualityRealDataTest, OnlineRetailHybridBeatsCfAndReachesColdStart) {
  const std::string input = SharedData();
  if (input.empty()) GTEST_SKIP() << "../shared/data/online-retail not present";
  FileSystem* fs = PosixFileSystem();
  const std::string dataset = ::testing::TempDir() + "/retail";
  const std::string ingest =
      "tools/tailor/tailor ingest --preset=online_retail --input=" + input +
      " --output=" + dataset + " > /dev/null";
  ASSERT_EQ(std::system(ingest.c_str()), 0) << ingest;
  auto data = LoadQualityData(fs, dataset);
  ASSERT_TRUE(data.ok()) << data.status();
  QualityOptions o;
  o.cutoff_unix_s = Day("2011-11-01");
  o.validation_start_unix_s = Day("2011-10-01");
  auto r = RunQuality(*data, o);
  ASSERT_TRUE(r.ok()) << r.status();
  std::printf("%s", FormatQualityTable(*r).c_str());
  const QualityRow& all = r->rows[0];
  EXPECT_GT(all.hybrid.recall, all.cf.recall);
  EXPECT_GT(all.hybrid.ndcg, all.cf.ndcg);
  EXPECT_GT(r->rows[2].hybrid.recall, 0.0);  // items first sold after
  EXPECT_GT(r->rows[3].hybrid.recall, 0.0);  // customers first seen after
}

}  // namespace
}  // namespace tailor::ranker
