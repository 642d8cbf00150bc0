// The acceptance checks of `tailor ingest` on the real datasets in
// ../shared/data (beside the checkout). Skipped when the data is absent.

#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

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
                                    const std::string& output,
                                    int threads = 1) {
  FileSystem* fs = PosixFileSystem();
  TAILOR_ASSIGN_OR_RETURN(IngestSpec spec, PresetSpec(fs, preset, input));
  IngestOptions o;
  o.fs = fs;
  o.spec = spec;
  o.output_dir = output;
  o.threads = threads;
  return RunIngest(o);
}

// The files of a dataset, byte for byte: sizes and CRC-32C of the output of
// the ingest on the real data, pinned so that speed work on the ingest
// cannot change a byte unnoticed (update deliberately with a format change).
void ExpectFiles(const DatasetManifest& m,
                 const std::vector<DatasetFile>& expected) {
  ASSERT_EQ(m.files.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(m.files[i].path, expected[i].path);
    EXPECT_EQ(m.files[i].bytes, expected[i].bytes) << expected[i].path;
    EXPECT_EQ(m.files[i].crc32c, expected[i].crc32c) << expected[i].path;
  }
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
  ExpectFiles(r.manifest, {{"user_major/part-00000.blk", 1608064, 1663447309},
                           {"item_major/part-00000.blk", 1614016, 3087844663},
                           {"users.tsv", 38692, 609687926},
                           {"items.tsv", 222554, 4000429426}});
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
  const std::vector<DatasetFile> files = {
      {"user_major/part-00000.blk", 7993024, 133840592},
      {"item_major/part-00000.blk", 7987648, 3238865937},
      {"users.tsv", 161964, 2214770193},
      {"items.tsv", 205515, 2480804447}};
  ExpectFiles(r.manifest, files);
  // The two-thread pipeline writes the same bytes.
  TAILOR_ASSERT_OK_AND_ASSIGN(
      IngestResult r2, Ingest("online_retail", data + "/online-retail",
                              TestDir("retail_threads2"), /*threads=*/2));
  ExpectFiles(r2.manifest, files);
}

}  // namespace
}  // namespace tailor
