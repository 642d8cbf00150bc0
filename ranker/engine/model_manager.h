#ifndef TAILOR_RANKER_ENGINE_MODEL_MANAGER_H_
#define TAILOR_RANKER_ENGINE_MODEL_MANAGER_H_

// Serves the versions of the models under <model_base>/<model_name>/<version>/
// (docs/ranker.md). Poll() lists the directories, asks the version policy
// what to load and unload, loads through the injected ServableLoader and
// swaps: requests take a shared_ptr snapshot of a version, so a swap or
// unload never fails a request in flight; an unloaded version's memory is
// released when its last request finishes. A version that fails to load is
// FAILED (logged with the reason, never retried) while the previous good
// version keeps serving; the last good version is never unloaded.
// Thread-safe: lookups run concurrently with Poll (which is serialized).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "ranker/engine/servable.h"
#include "ranker/engine/version_policy.h"
#include "tailor/v1/ranker.pb.h"

namespace tailor::ranker {

struct ModelManagerOptions {
  std::string model_base;  // required
  // Models to serve; empty: every directory under model_base (not starting
  // with '.'), rediscovered at each Poll.
  std::vector<std::string> model_names;
  VersionPolicy policy;  // default: latest 1
  // Unload leaving versions before loading new ones (a serving gap, for
  // tight memory). Default: load first, then unload (no gap).
  bool unload_first = false;
  // unload_first: how long to wait for requests to release a version.
  absl::Duration unload_wait_timeout = absl::Seconds(30);
  ServableLoader loader;                        // required
  FileSystem* fs = nullptr;                     // required; not owned
  Clock* clock = nullptr;                       // required; not owned
  std::function<void(const std::string&)> log;  // required: one event line
};

// A version as reported by GetModelStatus.
struct VersionInfo {
  int64_t version = 0;
  tailor::v1::ModelVersionState state =
      tailor::v1::MODEL_VERSION_STATE_UNSPECIFIED;
  absl::Status error;  // FAILED: why
  absl::Time since;
  std::string algorithm;
  int64_t items = 0;
  int64_t users = 0;
  int64_t memory_bytes = 0;
};

struct ModelManagerStats {
  int64_t loads = 0;          // versions that became AVAILABLE
  int64_t load_failures = 0;  // versions that became FAILED
  int64_t unloads = 0;
  // Times a model's default (newest available) version changed from one
  // version to another.
  int64_t swap_events = 0;
  // Bytes of every loaded or not yet released version, now and at most.
  int64_t resident_bytes = 0;
  int64_t peak_resident_bytes = 0;
  // Resident bytes of the swapped model right after its last swap (old and
  // new version together unless unload_first).
  int64_t last_swap_resident_bytes = 0;
};

class ModelManager {
 public:
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(
      const ModelManagerOptions& options);

  // Scans model_base and loads/unloads per the policy. `pinned` adds the
  // versions labels and experiments name (model -> versions) to those kept.
  // Per-version failures are recorded and logged, not returned; an error
  // means model_base could not be listed (serving continues unchanged).
  absl::Status Poll(const std::map<std::string, std::set<int64_t>>& pinned)
      ABSL_LOCKS_EXCLUDED(poll_mu_, mu_);

  struct Snapshot {
    std::shared_ptr<const Servable> servable;
    int64_t version = 0;
  };
  // The AVAILABLE `version` of `model`. NOT_FOUND (unknown model, a version
  // never loaded or FAILED) or UNAVAILABLE (LOADING / UNLOADING), with an
  // ErrorInfo naming the field.
  absl::StatusOr<Snapshot> GetVersion(const std::string& model,
                                      int64_t version) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // The newest AVAILABLE version. NOT_FOUND for an unknown model,
  // UNAVAILABLE when it has no available version.
  absl::StatusOr<Snapshot> GetDefault(const std::string& model) const
      ABSL_LOCKS_EXCLUDED(mu_);

  bool HasModel(const std::string& model) const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<std::string> ModelNames() const ABSL_LOCKS_EXCLUDED(mu_);
  // Versions known for `model` (ascending); empty for unknown models.
  std::vector<VersionInfo> Versions(const std::string& model) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // 0 when none is available.
  int64_t DefaultVersion(const std::string& model) const
      ABSL_LOCKS_EXCLUDED(mu_);
  ModelManagerStats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    VersionInfo info;
    std::shared_ptr<const Servable> servable;      // AVAILABLE only
    std::shared_ptr<absl::Notification> released;  // set once loaded
  };
  struct Model {
    std::map<int64_t, Entry> versions;
    int64_t last_default = 0;
  };

  explicit ModelManager(const ModelManagerOptions& options)
      : options_(options) {}
  absl::Status PollModel(const std::string& model,
                         const std::set<int64_t>& pinned)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(poll_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void Load(const std::string& model, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(poll_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void Unload(const std::string& model, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(poll_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void UpdateResident() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t ModelResident(const Model& model) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  static int64_t NewestAvailable(const Model& model);

  const ModelManagerOptions options_;
  absl::Mutex poll_mu_;
  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(poll_mu_);
  std::map<std::string, Model> models_ ABSL_GUARDED_BY(mu_);
  ModelManagerStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_MODEL_MANAGER_H_
