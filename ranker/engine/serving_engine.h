#ifndef TAILOR_RANKER_ENGINE_SERVING_ENGINE_H_
#define TAILOR_RANKER_ENGINE_SERVING_ENGINE_H_

// The RankEngine behind tailor_ranker (docs/ranker.md): validates requests,
// resolves model, version, label and experiment arm, calls the model
// version's Servable on a shared_ptr snapshot (a swap never fails a request),
// fills the response's serving fields and writes the exposure log. Poll()
// rereads the labels and experiments configs (a bad edit is logged and the
// previous config kept) and lets the model manager load and unload versions;
// StartPolling() runs it on a background thread every poll_interval.
//
//   RankEngineOptions o;
//   o.model_base = "/models";
//   o.loader = MyLoader;                        // ranker/model's loader
//   o.labels_config_path = "/etc/tailor/labels.json";
//   TAILOR_ASSIGN_OR_RETURN(auto engine, CreateRankEngine(o));  // polls once
//   engine->StartPolling();
//   ... engine->Rank(request, call) from any thread; engine->stats() ...
//
// Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "ranker/engine/experiments_config.h"
#include "ranker/engine/exposure_log.h"
#include "ranker/engine/labels_config.h"
#include "ranker/engine/model_manager.h"
#include "ranker/engine/rank_engine.h"
#include "ranker/engine/request_validation.h"
#include "ranker/engine/servable.h"
#include "ranker/engine/version_policy.h"

namespace tailor::ranker {

struct RankEngineOptions {
  std::string model_base;                // required
  std::vector<std::string> model_names;  // empty: every model found
  VersionPolicy version_policy;          // default latest:1
  bool unload_first = false;             // see ModelManagerOptions
  absl::Duration unload_wait_timeout = absl::Seconds(30);
  std::string labels_config_path;       // "" = no labels
  std::string experiments_config_path;  // "" = no experiments
  std::string exposure_log_path;        // "" = no exposure log
  int64_t exposure_log_max_file_bytes = 64 << 20;
  absl::Duration exposure_log_max_file_age = absl::Seconds(60);
  int exposure_log_max_rotated_files = 100;  // 0 keeps all
  RequestLimits limits;
  ServableLoader loader;     // required
  FileSystem* fs = nullptr;  // default PosixFileSystem()
  Clock* clock = nullptr;    // default RealClock()
  absl::Duration poll_interval = absl::Seconds(2);
  // ServedBy fields; hostname defaults to gethostname().
  std::string hostname;
  std::string replica;
  std::string build;
  // Receives one line per event (loads, rejections, config reloads).
  // Default: "tailor_ranker: <line>" on stderr.
  std::function<void(const std::string&)> log;
};

struct ArmStats {
  std::string model;
  std::string experiment;
  std::string arm;
  int64_t assigned = 0;   // units hashed to the arm
  int64_t served = 0;     // ... and served by the arm's version
  int64_t fallbacks = 0;  // ... but served by the default version
};

struct RankEngineStats {
  ModelManagerStats manager;
  struct Version {
    std::string model;
    int64_t version = 0;
    tailor::v1::ModelVersionState state =
        tailor::v1::MODEL_VERSION_STATE_UNSPECIFIED;
    int64_t memory_bytes = 0;
  };
  std::vector<Version> versions;
  // Valid requests per served model name (answered or not).
  std::map<std::string, int64_t> requests_by_model;
  std::vector<ArmStats> arms;
  int64_t polls = 0;
  int64_t config_reloads = 0;  // successful (re)reads of a changed config
  int64_t config_errors = 0;   // unreadable or invalid configs kept out
  int64_t exposure_log_lines = 0;
  int64_t exposure_log_rotations = 0;
  int64_t exposure_log_errors = 0;
};

class ServingRankEngine final : public RankEngine {
 public:
  // Reads the configs (errors name the file), opens the exposure log, and
  // polls once, so versions present on disk are loaded before it returns.
  static absl::StatusOr<std::unique_ptr<ServingRankEngine>> Create(
      const RankEngineOptions& options);
  ~ServingRankEngine() override;  // stops polling, closes the exposure log

  absl::StatusOr<tailor::v1::RankResponse> Rank(
      const tailor::v1::RankRequest& request, const RankCall& call) override;
  absl::StatusOr<tailor::v1::GetModelStatusResponse> GetModelStatus(
      const tailor::v1::GetModelStatusRequest& request) override;

  // Rereads configs, loads/unloads versions, rotates an old exposure log
  // file. Errors are logged and returned; serving continues either way.
  absl::Status Poll() ABSL_LOCKS_EXCLUDED(mu_);
  // Polls every poll_interval on a background thread until StopPolling or
  // destruction. Idempotent.
  void StartPolling() ABSL_LOCKS_EXCLUDED(mu_);
  void StopPolling() ABSL_LOCKS_EXCLUDED(mu_);
  // Completed polls; AwaitPolls waits (up to `timeout`) until at least `n`.
  int64_t polls_completed() const ABSL_LOCKS_EXCLUDED(mu_);
  bool AwaitPolls(int64_t n, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  RankEngineStats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Resolved;
  explicit ServingRankEngine(const RankEngineOptions& options);
  absl::Status ReloadConfigs() ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<Resolved> Resolve(const tailor::v1::RankRequest& request)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::map<std::string, std::set<int64_t>> PinnedVersions() const
      ABSL_LOCKS_EXCLUDED(mu_);
  void CountArm(const std::string& model, const std::string& experiment,
                const std::string& arm, bool served) ABSL_LOCKS_EXCLUDED(mu_);

  RankEngineOptions options_;
  std::unique_ptr<ModelManager> manager_;
  std::unique_ptr<ExposureLog> exposure_log_;  // null when not configured
  std::string request_id_prefix_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const LabelsConfig> labels_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const ExperimentsConfig> experiments_ ABSL_GUARDED_BY(mu_);
  std::string labels_text_ ABSL_GUARDED_BY(mu_);
  std::string experiments_text_ ABSL_GUARDED_BY(mu_);
  std::string last_config_error_ ABSL_GUARDED_BY(mu_);
  int64_t config_reloads_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t config_errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> requests_by_model_ ABSL_GUARDED_BY(mu_);
  // (model, experiment, arm) -> counts.
  std::map<std::tuple<std::string, std::string, std::string>, ArmStats> arms_
      ABSL_GUARDED_BY(mu_);
  int64_t next_request_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t polls_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex poll_mu_;    // serializes Poll
  absl::Mutex thread_mu_;  // serializes StartPolling / StopPolling
  std::thread poller_ ABSL_GUARDED_BY(thread_mu_);  // joinable while polling
};

// The engine for tailor_ranker; see ServingRankEngine::Create.
absl::StatusOr<std::unique_ptr<ServingRankEngine>> CreateRankEngine(
    const RankEngineOptions& options);

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_SERVING_ENGINE_H_
