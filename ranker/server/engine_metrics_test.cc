#include "ranker/server/engine_metrics.h"

#include <memory>
#include <string>

#include "core/file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ranker/engine/fake_servable.h"

namespace tailor::ranker {
namespace {

using ::testing::HasSubstr;

TEST(EngineMetricsTest, ScrapesShowTheEnginesCurrentStats) {
  std::unique_ptr<FileSystem> fs = NewInMemoryFileSystem();
  ASSERT_TRUE(fs->CreateDirs("/models").ok());
  FakeVersionSpec spec;
  spec.memory_bytes = 5000;
  ASSERT_TRUE(WriteFakeModelVersion(fs.get(), "/models", "m", 1, spec).ok());
  RankEngineOptions options;
  options.model_base = "/models";
  options.loader =
      FakeServableLoader(fs.get(), std::make_shared<FakeLoaderState>());
  options.fs = fs.get();
  options.log = [](const std::string&) {};
  auto engine = CreateRankEngine(options);
  ASSERT_TRUE(engine.ok()) << engine.status();

  metrics::MetricRegistry registry;
  RegisterEngineMetrics(&registry, [&] { return (*engine)->stats(); });
  std::string text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_version_events{event="
                              "\"loads\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_version_memory_bytes{"
                              "model=\"m\",version=\"1\",state=\"AVAILABLE\"}"
                              " 5000\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_memory_bytes{kind="
                              "\"resident\"} 5000\n"));

  // A second version: one more load and a swap, both resident at the swap.
  ASSERT_TRUE(WriteFakeModelVersion(fs.get(), "/models", "m", 2, spec).ok());
  ASSERT_TRUE((*engine)->Poll().ok());
  text = registry.TextExposition();
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_version_events{event="
                              "\"loads\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_version_events{event="
                              "\"swaps\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tailor_ranker_engine_memory_bytes{kind="
                              "\"last_swap\"} 10000\n"));
}

}  // namespace
}  // namespace tailor::ranker
