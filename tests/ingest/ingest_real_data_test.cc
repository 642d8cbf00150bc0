// The acceptance checks of `tailor ingest` on the real datasets in
// ../shared/data (beside the checkout). Skipped when the data is absent.

#include <unistd.h>

#include <climits>
#include <string>

#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/ingest/ingest.h"
#include "tools/ingest/presets.h"

namespace tailor {
namespace {

// ../shared/data relative to the checkout, found through the runfiles
// symlink of this source file; "" when absent.
std::string SharedData() {
  char real[PATH_MAX];
  if (realpath("tests/ingest/ingest_real_data_test.cc", real) == nullptr) {
    return "";
  }
  std::string path(real);
  const std::string suffix = "/tests/ingest/ingest_real_data_test.cc";
  if (path.size() <= suffix.size()) return "";
  path.resize(path.size() - suffix.size());  // the checkout
  const std::string data = path + "/../shared/data";
  return access(data.c_str(), R_OK) == 0 ? data : "";
}

absl::StatusOr<IngestResult> Ingest(const std::string& preset,
                                    const std::string& input,
                                    const std::string& output) {
  FileSystem* fs = PosixFileSystem();
  TAILOR_ASSIGN_OR_RETURN(IngestSpec spec, PresetSpec(fs, preset, input));
  IngestOptions o;
  o.fs = fs;
  o.spec = spec;
  o.output_dir = output;
  return RunIngest(o);
}

std::string TestDir(const std::string& name) {
  return JoinPath(::testing::TempDir(), name);
}

TEST(IngestRealDataTest, MovieLens100k) {
  const std::string data = SharedData();
  if (data.empty() || access((data + "/movielens-100k").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "../shared/data/movielens-100k not present";
  }
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r,
      Ingest("movielens100k", data + "/movielens-100k", TestDir("ml100k")));
  EXPECT_EQ(r.manifest.lines_read, 100000);
  EXPECT_EQ(r.manifest.interactions, 100000);
  EXPECT_EQ(r.manifest.users, 943);
  EXPECT_EQ(r.manifest.items, 1682);
  EXPECT_TRUE(r.manifest.rejected.empty());
  TAILOR_ASSERT_OK_AND_ASSIGN(
      auto ds, Dataset::Open(PosixFileSystem(), TestDir("ml100k")));
  EXPECT_THAT(ds->VerifyAllChecksums(), IsOk());
  TAILOR_ASSERT_OK_AND_ASSIGN(SparseBlock um, ds->LoadUserMajor());
  EXPECT_EQ(um.matrix.nnz(), 100000);
}

TEST(IngestRealDataTest, OnlineRetailAddsUpTo541909Lines) {
  const std::string data = SharedData();
  if (data.empty() || access((data + "/online-retail").c_str(), R_OK) != 0) {
    GTEST_SKIP() << "../shared/data/online-retail not present";
  }
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r,
      Ingest("online_retail", data + "/online-retail", TestDir("retail")));
  int64_t rejected = 0;
  for (const auto& [reason, n] : r.manifest.rejected) rejected += n;
  EXPECT_EQ(r.manifest.lines_read, 541909);
  EXPECT_EQ(r.manifest.accepted + rejected, 541909);
  EXPECT_EQ(r.manifest.accepted, 397884);
  EXPECT_EQ(r.manifest.rejected.at("cancellation"), 9288);
  EXPECT_EQ(r.manifest.rejected.at("missing_user_id"), 134697);
  EXPECT_EQ(r.manifest.rejected.at("non_positive_price"), 40);
  EXPECT_EQ(r.manifest.users, 4338);
  EXPECT_EQ(r.rejects.errors(), 0);
}

}  // namespace
}  // namespace tailor
