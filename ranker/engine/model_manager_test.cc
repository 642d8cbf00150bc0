#include "ranker/engine/model_manager.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ranker/engine/fake_servable.h"

namespace tailor::ranker {
namespace {

using tailor::v1::MODEL_VERSION_STATE_AVAILABLE;
using tailor::v1::MODEL_VERSION_STATE_FAILED;
using tailor::v1::MODEL_VERSION_STATE_UNLOADING;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kBase[] = "/models";

class ModelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { TAILOR_ASSERT_OK(fs_->CreateDirs(kBase)); }

  ModelManagerOptions Options() {
    ModelManagerOptions o;
    o.model_base = kBase;
    o.loader = FakeServableLoader(fs_.get(), state_);
    o.fs = fs_.get();
    o.clock = &clock_;
    o.log = [this](const std::string& line) {
      absl::MutexLock lock(&log_mu_);
      log_.push_back(line);
    };
    return o;
  }
  void Publish(int64_t version, int64_t memory_bytes = 1000,
               const std::string& model = "retail") {
    FakeVersionSpec spec;
    spec.memory_bytes = memory_bytes;
    ASSERT_THAT(WriteFakeModelVersion(fs_.get(), kBase, model, version, spec),
                IsOk());
  }
  // Publishes a version whose fake_servable.json no longer matches its
  // checksum.
  void PublishCorrupt(int64_t version) {
    Publish(version);
    TAILOR_ASSERT_OK(WriteStringToFile(
        fs_.get(),
        absl::StrCat(kBase, "/retail/", version, "/fake_servable.json"),
        "{\"items\": 1}"));
  }
  std::vector<int64_t> Available(const ModelManager& m) {
    std::vector<int64_t> out;
    for (const VersionInfo& v : m.Versions("retail")) {
      if (v.state == MODEL_VERSION_STATE_AVAILABLE) out.push_back(v.version);
    }
    return out;
  }
  std::string Log() {
    absl::MutexLock lock(&log_mu_);
    return absl::StrJoin(log_, "\n");
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  FakeClock clock_;
  std::shared_ptr<FakeLoaderState> state_ = std::make_shared<FakeLoaderState>();
  absl::Mutex log_mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mu_);
  const std::map<std::string, std::set<int64_t>> no_pins_{};
};

TEST_F(ModelManagerTest, LoadsTheLatestVersion) {
  Publish(1);
  Publish(2);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  // Models are discovered by polls.
  EXPECT_THAT(m->GetDefault("retail"), StatusIs(absl::StatusCode::kNotFound));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(2));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto snapshot, m->GetDefault("retail"));
  EXPECT_EQ(snapshot.version, 2);
  EXPECT_EQ(m->DefaultVersion("retail"), 2);
  EXPECT_EQ(state_->loads.load(), 1);
}

TEST_F(ModelManagerTest, LatestNKeepsTheNewestN) {
  for (int v = 1; v <= 4; ++v) Publish(v);
  ModelManagerOptions o = Options();
  o.policy = VersionPolicy::Latest(2);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(3, 4));
  Publish(5);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(4, 5));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_EQ(state_->loads.load(), 3);  // nothing reloaded
  EXPECT_THAT(m->GetVersion("retail", 3),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no version 3")));
}

TEST_F(ModelManagerTest, SwapIsCountedWithItsMemory) {
  Publish(1, 1000);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_EQ(m->stats().swap_events, 0);
  Publish(2, 3000);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  ModelManagerStats s = m->stats();
  EXPECT_EQ(s.swap_events, 1);
  EXPECT_EQ(s.last_swap_resident_bytes, 4000);  // both held during the swap
  EXPECT_EQ(s.peak_resident_bytes, 4000);
  EXPECT_EQ(s.resident_bytes, 3000);  // version 1 released
  EXPECT_EQ(s.loads, 2);
  EXPECT_EQ(s.unloads, 1);
  EXPECT_EQ(state_->live.load(), 1);
}

TEST_F(ModelManagerTest, CorruptVersionIsRejectedWhileTheOldOneServes) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  PublishCorrupt(2);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(1));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto snapshot, m->GetDefault("retail"));
  EXPECT_EQ(snapshot.version, 1);
  std::vector<VersionInfo> versions = m->Versions("retail");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].state, MODEL_VERSION_STATE_FAILED);
  EXPECT_THAT(versions[1].error, StatusIs(absl::StatusCode::kDataLoss,
                                          HasSubstr("fake_servable.json")));
  EXPECT_THAT(Log(), HasSubstr("version 2 rejected"));
  EXPECT_THAT(m->GetVersion("retail", 2),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("failed")));
  // Not retried; a newer good version still replaces the old one.
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_EQ(state_->loads.load(), 2);
  Publish(3);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(3));
  EXPECT_EQ(m->stats().load_failures, 1);
}

TEST_F(ModelManagerTest, NeverUnloadsTheLastGoodVersion) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  // Every version directory disappears.
  TAILOR_ASSERT_OK(fs_->DeleteRecursively(absl::StrCat(kBase, "/retail/1")));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(1));
  // Only a corrupt version is left.
  PublishCorrupt(2);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(1));
  EXPECT_EQ(m->stats().unloads, 0);
}

TEST_F(ModelManagerTest, RequestsInFlightKeepTheirVersion) {
  Publish(1, 1000);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto held, m->GetDefault("retail"));
  Publish(2, 1000);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  std::vector<VersionInfo> versions = m->Versions("retail");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].state, MODEL_VERSION_STATE_UNLOADING);
  EXPECT_EQ(m->stats().resident_bytes, 2000);
  // The held snapshot still answers.
  tailor::v1::RankRequest request;
  request.set_model_name("retail");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto response, held.servable->Rank(request, {}));
  EXPECT_EQ(response.items(0).item_id(), "v1-item0");
  held.servable.reset();
  EXPECT_EQ(m->stats().resident_bytes, 1000);
  EXPECT_EQ(state_->live.load(), 1);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_EQ(m->Versions("retail").size(), 1u);
}

TEST_F(ModelManagerTest, UnloadFirstNeverHoldsTwoVersions) {
  Publish(1);
  ModelManagerOptions o = Options();
  o.unload_first = true;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  Publish(2);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(2));
  EXPECT_EQ(state_->max_live_at_load.load(), 0);
  EXPECT_EQ(m->stats().peak_resident_bytes, 1000);
  EXPECT_EQ(m->stats().swap_events, 1);
}

TEST_F(ModelManagerTest, UnloadFirstWaitsForRequestsToRelease) {
  Publish(1);
  ModelManagerOptions o = Options();
  o.unload_first = true;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto held, m->GetDefault("retail"));
  Publish(2);
  absl::Notification polled;
  std::thread poller([&] {
    EXPECT_THAT(m->Poll(no_pins_), IsOk());
    polled.Notify();
  });
  // The poll cannot load version 2 until version 1 is released.
  EXPECT_FALSE(polled.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  EXPECT_EQ(state_->loads.load(), 1);
  held.servable.reset();
  polled.WaitForNotification();
  poller.join();
  EXPECT_THAT(Available(*m), ElementsAre(2));
  EXPECT_EQ(state_->max_live_at_load.load(), 0);
}

TEST_F(ModelManagerTest, UnloadFirstRestoresTheOldVersionWhenTheNewFails) {
  Publish(1);
  ModelManagerOptions o = Options();
  o.unload_first = true;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  PublishCorrupt(2);
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(1));
  EXPECT_EQ(state_->loads.load(), 3);  // 1, 2 (failed), 1 again
}

TEST_F(ModelManagerTest, PinnedVersionsStayLoaded) {
  for (int v = 1; v <= 3; ++v) Publish(v);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll({{"retail", {1}}}));
  EXPECT_THAT(Available(*m), ElementsAre(1, 3));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(3));
}

TEST_F(ModelManagerTest, SpecificVersionsPolicy) {
  for (int v = 1; v <= 3; ++v) Publish(v);
  ModelManagerOptions o = Options();
  o.policy = VersionPolicy::Specific({2});
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(Available(*m), ElementsAre(2));
}

TEST_F(ModelManagerTest, DiscoversModelsAndNamesUnknownOnes) {
  Publish(1, 1000, "retail");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(m->ModelNames(), ElementsAre("retail"));
  Publish(1, 1000, "movies");
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(m->ModelNames(), ElementsAre("movies", "retail"));
  EXPECT_THAT(m->GetDefault("books"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'books'")));
}

TEST_F(ModelManagerTest, ConfiguredModelWithoutVersionsIsUnavailable) {
  ModelManagerOptions o = Options();
  o.model_names = {"later"};
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(o));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  EXPECT_THAT(m->GetDefault("later"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(m->GetDefault("retail"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ModelManagerTest, RejectsBadOptions) {
  ModelManagerOptions o = Options();
  o.model_base = "/missing";
  EXPECT_THAT(ModelManager::Create(o), StatusIs(absl::StatusCode::kNotFound));
  o = Options();
  o.model_names = {"../etc"};
  EXPECT_THAT(ModelManager::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument));
  o = Options();
  o.loader = nullptr;
  EXPECT_THAT(ModelManager::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ModelManagerTest, SwapsNeverFailConcurrentRequests) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto m, ModelManager::Create(Options()));
  TAILOR_ASSERT_OK(m->Poll(no_pins_));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> served{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      tailor::v1::RankRequest request;
      request.set_model_name("retail");
      while (!stop.load()) {
        auto snapshot = m->GetDefault("retail");
        if (!snapshot.ok() || !snapshot->servable->Rank(request, {}).ok()) {
          ++failures;
        }
        ++served;
      }
    });
  }
  for (int v = 2; v <= 30; ++v) {
    // Let the readers run against every version (they may start late on a
    // loaded machine).
    const int64_t target = served.load() + 3;
    while (served.load() < target) std::this_thread::yield();
    Publish(v);
    EXPECT_THAT(m->Poll(no_pins_), IsOk());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(served.load(), 0);
  EXPECT_THAT(Available(*m), ElementsAre(30));
  EXPECT_EQ(m->stats().swap_events, 29);
}

}  // namespace
}  // namespace tailor::ranker
