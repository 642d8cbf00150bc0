#include "trainer/protocol/split_io.h"

#include <memory>

#include "core/file_system.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/protocol/protocol_runner.h"
#include "trainer/protocol/test_data.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

ProtocolSplit MakeSplit(Protocol protocol) {
  const auto data = testing::GenerateClusteredRatings();
  ProtocolOptions o;
  o.protocol = protocol;
  o.negatives = 10;
  absl::StatusOr<ProtocolSplit> s =
      MakeProtocolSplit(data.matrix, data.timestamps, o);
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

TEST(SplitIoTest, RoundTripsEveryProtocol) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  for (Protocol p : {Protocol::kSurpriseCv, Protocol::kLeaveOneOut,
                     Protocol::kStrong, Protocol::kTemporal}) {
    const ProtocolSplit split = MakeSplit(p);
    const std::string dir = std::string("/splits/") + ProtocolName(p);
    TAILOR_ASSERT_OK(
        WriteProtocolSplit(fs.get(), dir, split, {"/data/x", "crc32c:1234"}));
    TAILOR_ASSERT_OK_AND_ASSIGN(LoadedSplit loaded,
                                ReadProtocolSplit(fs.get(), dir));
    EXPECT_EQ(loaded.source.dataset_fingerprint, "crc32c:1234");
    EXPECT_EQ(loaded.split.options.protocol, p);
    EXPECT_EQ(loaded.split.options.cutoff, split.options.cutoff);
    ASSERT_EQ(loaded.split.folds.size(), split.folds.size());
    for (size_t f = 0; f < split.folds.size(); ++f) {
      const EvalFold& a = split.folds[f];
      const EvalFold& b = loaded.split.folds[f];
      EXPECT_EQ(a.train.indices, b.train.indices);
      EXPECT_EQ(a.train.data, b.train.data);
      EXPECT_EQ(a.train_timestamps, b.train_timestamps);
      EXPECT_EQ(a.test.indptr, b.test.indptr);
      EXPECT_EQ(a.negatives.indices, b.negatives.indices);
      EXPECT_EQ(a.fold_in.indices, b.fold_in.indices);
      EXPECT_EQ(b.negatives.rows, a.test.rows);
    }
  }
}

TEST(SplitIoTest, EvaluatingALoadedSplitGivesTheSameMetrics) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  const ProtocolSplit split = MakeSplit(Protocol::kLeaveOneOut);
  TAILOR_ASSERT_OK(WriteProtocolSplit(fs.get(), "/s", split, {}));
  TAILOR_ASSERT_OK_AND_ASSIGN(LoadedSplit loaded,
                              ReadProtocolSplit(fs.get(), "/s"));
  tailor::v1::JobSpec spec;
  spec.set_algorithm("item_knn");
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun direct,
                              EvaluateOnSplit(spec, split, {}));
  TAILOR_ASSERT_OK_AND_ASSIGN(ProtocolRun from_disk,
                              EvaluateOnSplit(spec, loaded.split, {}));
  ASSERT_TRUE(direct.metrics.count("hr@10"));
  for (const auto& [name, value] : direct.metrics) {
    EXPECT_NEAR(value, from_disk.metrics[name], 1e-9) << name;
  }
}

TEST(SplitIoTest, RefusesToOverwrite) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  const ProtocolSplit split = MakeSplit(Protocol::kMsStratified);
  TAILOR_ASSERT_OK(WriteProtocolSplit(fs.get(), "/s", split, {}));
  EXPECT_THAT(WriteProtocolSplit(fs.get(), "/s", split, {}).message(),
              HasSubstr("already exists"));
}

TEST(SplitIoTest, CorruptFilesNameThemselves) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  const ProtocolSplit split = MakeSplit(Protocol::kMsStratified);
  TAILOR_ASSERT_OK(WriteProtocolSplit(fs.get(), "/s", split, {}));
  TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), "/s/fold-0/test.tsb", "junk"));
  absl::Status s = ReadProtocolSplit(fs.get(), "/s").status();
  EXPECT_THAT(s.message(), HasSubstr("/s/fold-0/test.tsb"));
  TAILOR_ASSERT_OK(WriteStringToFile(fs.get(), "/s/split.json", "{\"a\":1}"));
  s = ReadProtocolSplit(fs.get(), "/s").status();
  EXPECT_THAT(s.message(), HasSubstr("/s/split.json"));
  EXPECT_FALSE(ReadProtocolSplit(fs.get(), "/missing").ok());
}

}  // namespace
}  // namespace tailor
