#include "ranker/engine/serving_engine.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "ranker/engine/fake_servable.h"
#include "ranker/engine/rank_error.h"

namespace tailor::ranker {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kBase[] = "/models";
constexpr char kLabels[] = "/etc/labels.json";
constexpr char kExperiments[] = "/etc/experiments.json";
constexpr char kExposures[] = "/logs/exposures.jsonl";

class ServingEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TAILOR_ASSERT_OK(fs_->CreateDirs(kBase));
    TAILOR_ASSERT_OK(fs_->CreateDirs("/etc"));
  }
  RankEngineOptions Options() {
    RankEngineOptions o;
    o.model_base = kBase;
    o.loader = FakeServableLoader(fs_.get(), state_);
    o.fs = fs_.get();
    o.clock = &clock_;
    o.hostname = "host";
    o.replica = "r1";
    o.build = "test";
    o.log = [this](const std::string& line) {
      absl::MutexLock lock(&log_mu_);
      log_.push_back(line);
    };
    return o;
  }
  void Publish(int64_t version) {
    ASSERT_THAT(WriteFakeModelVersion(fs_.get(), kBase, "retail", version),
                IsOk());
  }
  void Write(const std::string& path, const std::string& text) {
    TAILOR_ASSERT_OK(WriteStringToFile(fs_.get(), path, text));
  }
  static RankRequest Request() {
    RankRequest r;
    r.set_model_name("retail");
    r.set_user_id("u1");
    r.set_count(3);
    return r;
  }
  std::vector<nlohmann::json> ExposureLines() {
    std::vector<nlohmann::json> lines;
    auto names = fs_->ListDir("/logs");
    EXPECT_THAT(names, IsOk());
    for (const std::string& name : *names) {
      if (name == "exposures.jsonl") continue;  // active, still buffered
      auto text = ReadFileToString(fs_.get(), absl::StrCat("/logs/", name));
      EXPECT_THAT(text, IsOk());
      for (absl::string_view line : absl::StrSplit(*text, '\n')) {
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
      }
    }
    return lines;
  }

  std::unique_ptr<FileSystem> fs_ = NewInMemoryFileSystem();
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::shared_ptr<FakeLoaderState> state_ = std::make_shared<FakeLoaderState>();
  absl::Mutex log_mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mu_);
};

TEST_F(ServingEngineTest, RankFillsTheServingFields) {
  Publish(1);
  Publish(2);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(Options()));
  RankRequest request = Request();
  request.set_request_id("req-7");
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(request, {}));
  EXPECT_THAT(r.items(), SizeIs(3));
  EXPECT_EQ(r.items(0).item_id(), "v2-item0");
  EXPECT_EQ(r.model_name(), "retail");
  EXPECT_EQ(r.model_version(), 2);
  EXPECT_EQ(r.version_label(), "");
  EXPECT_EQ(r.experiment_arm(), "");
  EXPECT_EQ(r.request_id(), "req-7");
  EXPECT_EQ(r.user_segment(), "fake-segment");
  EXPECT_EQ(r.served_by().hostname(), "host");
  EXPECT_EQ(r.served_by().replica(), "r1");
  EXPECT_EQ(r.served_by().build(), "test");
  // A missing request id is generated, unique per request.
  request.clear_request_id();
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse a, engine->Rank(request, {}));
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse b, engine->Rank(request, {}));
  EXPECT_THAT(a.request_id(), HasSubstr("r1-"));
  EXPECT_NE(a.request_id(), b.request_id());
  // A specific version.
  request.set_version(2);
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse c, engine->Rank(request, {}));
  EXPECT_EQ(c.model_version(), 2);
  EXPECT_EQ(engine->stats().requests_by_model.at("retail"), 4);
}

TEST_F(ServingEngineTest, ErrorsHaveTheRightCodeAndField) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(Options()));
  struct Case {
    std::string name;
    RankRequest request;
    absl::StatusCode code;
    std::string field;
  };
  std::vector<Case> cases;
  RankRequest r = Request();
  r.set_model_name("books");
  cases.push_back(
      {"unknown model", r, absl::StatusCode::kNotFound, "model_name"});
  r = Request();
  r.set_count(static_cast<uint32_t>(-1));
  cases.push_back(
      {"negative count", r, absl::StatusCode::kInvalidArgument, "count"});
  r = Request();
  r.add_candidate_item_ids("a");
  r.add_candidate_item_ids("a");
  cases.push_back({"duplicate candidates", r,
                   absl::StatusCode::kInvalidArgument,
                   "candidate_item_ids[1]"});
  r = Request();
  for (int i = 0; i < 1001; ++i) r.add_recent_interactions()->set_item_key(i);
  cases.push_back({"too many interactions", r,
                   absl::StatusCode::kResourceExhausted,
                   "recent_interactions"});
  r = Request();
  r.set_version(9);
  cases.push_back(
      {"version not loaded", r, absl::StatusCode::kNotFound, "version"});
  r = Request();
  r.set_version_label("canary");
  cases.push_back(
      {"unknown label", r, absl::StatusCode::kNotFound, "version_label"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<RankResponse> result = engine->Rank(c.request, {});
    EXPECT_THAT(result, StatusIs(c.code));
    std::optional<tailor::v1::ErrorInfo> info =
        GetRankErrorInfo(result.status());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->field(), c.field);
  }
  EXPECT_EQ(engine->stats().requests_by_model.count("books"), 0u);
}

TEST_F(ServingEngineTest, DeadlineAndCancellation) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(Options()));
  RankCall call;
  call.deadline = clock_.Now() - absl::Milliseconds(1);
  EXPECT_THAT(engine->Rank(Request(), call),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  call.deadline = absl::InfiniteFuture();
  call.cancelled = [] { return true; };
  EXPECT_THAT(engine->Rank(Request(), call),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(state_->ranks.load(), 0);
}

TEST_F(ServingEngineTest, NoVersionYetIsUnavailable) {
  RankEngineOptions o = Options();
  o.model_names = {"retail"};
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  absl::StatusOr<RankResponse> r = engine->Rank(Request(), {});
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(GetRankErrorInfo(r.status())->reason(),
            tailor::v1::ERROR_REASON_NO_MODEL_AVAILABLE);
  Publish(1);
  TAILOR_ASSERT_OK(engine->Poll());
  TAILOR_EXPECT_OK(engine->Rank(Request(), {}));
}

TEST_F(ServingEngineTest, LabelsAreReloadedWhileRunning) {
  for (int v = 1; v <= 3; ++v) Publish(v);
  Write(kLabels, R"({"models": {"retail": {"stable": 1, "canary": 2}}})");
  RankEngineOptions o = Options();
  o.labels_config_path = kLabels;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  RankRequest request = Request();
  request.set_version_label("stable");
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(request, {}));
  EXPECT_EQ(r.model_version(), 1);
  EXPECT_EQ(r.version_label(), "stable");
  request.set_version_label("canary");
  TAILOR_ASSERT_OK_AND_ASSIGN(r, engine->Rank(request, {}));
  EXPECT_EQ(r.model_version(), 2);
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse d, engine->Rank(Request(), {}));
  EXPECT_EQ(d.model_version(), 3);  // the default is the newest

  // Promote canary to stable; version 1 is no longer pinned and unloads.
  Write(kLabels, R"({"models": {"retail": {"stable": 2}}})");
  TAILOR_ASSERT_OK(engine->Poll());
  request.set_version_label("stable");
  TAILOR_ASSERT_OK_AND_ASSIGN(r, engine->Rank(request, {}));
  EXPECT_EQ(r.model_version(), 2);
  request.set_version_label("canary");
  EXPECT_THAT(engine->Rank(request, {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("canary")));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto status, engine->GetModelStatus({}));
  ASSERT_THAT(status.models(), SizeIs(1));
  EXPECT_EQ(status.models(0).labels().at("stable"), 2);
  EXPECT_EQ(status.models(0).default_version(), 3);
  // Version 1 was released at once (no request held it).
  EXPECT_THAT(status.models(0).versions(), SizeIs(2));

  // A broken edit is logged and the previous labels stay.
  Write(kLabels, R"({"models": {"retail": {"stable": "two"}}})");
  EXPECT_THAT(engine->Poll(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(kLabels)));
  request.set_version_label("stable");
  TAILOR_ASSERT_OK_AND_ASSIGN(r, engine->Rank(request, {}));
  EXPECT_EQ(r.model_version(), 2);
  RankEngineStats stats = engine->stats();
  EXPECT_EQ(stats.config_errors, 1);
  EXPECT_EQ(stats.config_reloads, 2);
}

TEST_F(ServingEngineTest, InvalidConfigAtStartFailsCreate) {
  Publish(1);
  RankEngineOptions o = Options();
  o.labels_config_path = kLabels;  // missing
  EXPECT_THAT(CreateRankEngine(o),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(kLabels)));
  Write(kExperiments, R"({"experiments": 3})");
  o = Options();
  o.experiments_config_path = kExperiments;
  EXPECT_THAT(CreateRankEngine(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr(kExperiments)));
}

TEST_F(ServingEngineTest, ExperimentSplitsTrafficAndLogsExposures) {
  for (int v = 1; v <= 3; ++v) Publish(v);
  Write(kLabels, R"({"models": {"retail": {"stable": 1}}})");
  Write(kExperiments, R"({"experiments": [{
      "name": "blend", "model": "retail", "salt": "s1",
      "arms": [
        {"name": "control", "label": "stable", "buckets": [[0, 5000]]},
        {"name": "treatment", "version": 2, "buckets": [[5000, 10000]]}]}]})");
  RankEngineOptions o = Options();
  o.labels_config_path = kLabels;
  o.experiments_config_path = kExperiments;
  o.exposure_log_path = kExposures;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      ExperimentsConfig config,
      ExperimentsConfig::Parse(*ReadFileToString(fs_.get(), kExperiments),
                               kExperiments));
  constexpr int kUnits = 2000;
  std::map<std::string, int> arms;
  for (int i = 0; i < kUnits; ++i) {
    RankRequest request = Request();
    request.set_unit_id(absl::StrCat("unit-", i));
    request.set_request_id(absl::StrCat("q", i));
    TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(request, {}));
    const std::string expected =
        config.ForModel("retail")->Assign(request.unit_id())->name;
    ASSERT_EQ(r.experiment_arm(), expected);
    EXPECT_EQ(r.model_version(), expected == "control" ? 1 : 2);
    EXPECT_EQ(r.version_label(), expected == "control" ? "stable" : "");
    ++arms[expected];
    // Sticky: the same unit again lands in the same arm.
    if (i % 100 == 0) {
      TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse again,
                                  engine->Rank(request, {}));
      EXPECT_EQ(again.experiment_arm(), expected);
    }
  }
  // Without a unit id the user id is the unit.
  RankRequest by_user = Request();
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse u, engine->Rank(by_user, {}));
  EXPECT_EQ(u.experiment_arm(), config.ForModel("retail")->Assign("u1")->name);
  // A caller naming the version bypasses the experiment.
  by_user.set_version(3);
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse named, engine->Rank(by_user, {}));
  EXPECT_EQ(named.experiment_arm(), "");

  const int total = kUnits + kUnits / 100 + 2;
  RankEngineStats stats = engine->stats();
  int64_t assigned = 0;
  for (const ArmStats& a : stats.arms) {
    EXPECT_EQ(a.experiment, "blend");
    EXPECT_EQ(a.fallbacks, 0);
    EXPECT_EQ(a.assigned, a.served);
    assigned += a.assigned;
  }
  EXPECT_EQ(assigned, total - 1);
  EXPECT_EQ(stats.exposure_log_lines, total);

  engine.reset();  // closes (rotates) the exposure log
  std::vector<nlohmann::json> lines = ExposureLines();
  ASSERT_THAT(lines, SizeIs(total));
  EXPECT_EQ(lines[0]["request_id"], "q0");
  EXPECT_EQ(lines[0]["unit"], "unit-0");
  EXPECT_EQ(lines[0]["experiment"], "blend");
  EXPECT_EQ(lines[0]["arm"], config.ForModel("retail")->Assign("unit-0")->name);
  EXPECT_THAT(lines[0]["items"], SizeIs(3));
  EXPECT_EQ(lines[0]["user"], "u1");
  EXPECT_EQ(lines.back()["arm"], "");
}

TEST_F(ServingEngineTest, ArmWithoutAVersionFallsBackToTheDefault) {
  Publish(1);
  Write(kExperiments, R"({"experiments": [{
      "name": "e", "model": "retail", "salt": "s",
      "arms": [{"name": "missing", "version": 7, "buckets": [[0, 10000]]}]}]})");
  RankEngineOptions o = Options();
  o.experiments_config_path = kExperiments;
  o.exposure_log_path = kExposures;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(Request(), {}));
  EXPECT_EQ(r.model_version(), 1);
  EXPECT_EQ(r.experiment_arm(), "");
  RankEngineStats stats = engine->stats();
  ASSERT_THAT(stats.arms, SizeIs(1));
  EXPECT_EQ(stats.arms[0].assigned, 1);
  EXPECT_EQ(stats.arms[0].fallbacks, 1);
  engine.reset();
  std::vector<nlohmann::json> lines = ExposureLines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0]["assigned_arm"], "missing");
}

TEST_F(ServingEngineTest, FailedRequestsAreNotExposures) {
  Publish(1);
  RankEngineOptions o = Options();
  o.exposure_log_path = kExposures;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  RankRequest bad = Request();
  bad.set_diversity(2);
  EXPECT_THAT(engine->Rank(bad, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  TAILOR_ASSERT_OK(engine->Rank(Request(), {}).status());
  EXPECT_EQ(engine->stats().exposure_log_lines, 1);
}

TEST_F(ServingEngineTest, ExposureLogRotatesBySize) {
  Publish(1);
  RankEngineOptions o = Options();
  o.exposure_log_path = kExposures;
  o.exposure_log_max_file_bytes = 1;  // one line per file
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  for (int i = 0; i < 5; ++i) {
    TAILOR_ASSERT_OK(engine->Rank(Request(), {}).status());
  }
  EXPECT_EQ(engine->stats().exposure_log_rotations, 4);
  engine.reset();
  EXPECT_THAT(ExposureLines(), SizeIs(5));
  TAILOR_ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir("/logs"));
  EXPECT_THAT(names, SizeIs(5));
}

TEST_F(ServingEngineTest, CorruptVersionIsReportedAndTheOldOneServes) {
  Publish(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(Options()));
  Publish(2);
  TAILOR_ASSERT_OK(WriteStringToFile(
      fs_.get(), absl::StrCat(kBase, "/retail/2/fake_servable.json"), "{}"));
  TAILOR_ASSERT_OK(engine->Poll());
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(Request(), {}));
  EXPECT_EQ(r.model_version(), 1);
  tailor::v1::GetModelStatusRequest status_request;
  status_request.set_model_name("retail");
  TAILOR_ASSERT_OK_AND_ASSIGN(auto status,
                              engine->GetModelStatus(status_request));
  ASSERT_THAT(status.models(0).versions(), SizeIs(2));
  const auto& failed = status.models(0).versions(1);
  EXPECT_EQ(failed.state(), tailor::v1::MODEL_VERSION_STATE_FAILED);
  EXPECT_EQ(failed.error_code(), static_cast<int>(absl::StatusCode::kDataLoss));
  EXPECT_THAT(failed.error_message(), HasSubstr("fake_servable.json"));
  EXPECT_EQ(status.models(0).default_version(), 1);
  status_request.set_model_name("books");
  EXPECT_THAT(engine->GetModelStatus(status_request),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(engine->stats().manager.load_failures, 1);
}

TEST_F(ServingEngineTest, BackgroundPollingPicksUpNewVersions) {
  Publish(1);
  RankEngineOptions o = Options();
  o.poll_interval = absl::Milliseconds(1);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto engine, CreateRankEngine(o));
  engine->StartPolling();
  engine->StartPolling();  // idempotent
  Publish(2);
  const int64_t polls = engine->polls_completed();
  ASSERT_TRUE(engine->AwaitPolls(polls + 2, absl::Seconds(30)));
  TAILOR_ASSERT_OK_AND_ASSIGN(RankResponse r, engine->Rank(Request(), {}));
  EXPECT_EQ(r.model_version(), 2);
  engine->StopPolling();
  const int64_t stopped = engine->polls_completed();
  EXPECT_FALSE(engine->AwaitPolls(stopped + 1, absl::Milliseconds(20)));
}

}  // namespace
}  // namespace tailor::ranker
