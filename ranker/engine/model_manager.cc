#include "ranker/engine/model_manager.h"

#include <algorithm>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/model/model_version.h"
#include "core/status_macros.h"
#include "ranker/engine/rank_error.h"

namespace tailor::ranker {
namespace {

using tailor::v1::MODEL_VERSION_STATE_AVAILABLE;
using tailor::v1::MODEL_VERSION_STATE_FAILED;
using tailor::v1::MODEL_VERSION_STATE_LOADING;
using tailor::v1::MODEL_VERSION_STATE_UNLOADING;

constexpr int kMaxPlanRounds = 4;

bool IsValidModelName(const std::string& name) {
  return !name.empty() && name[0] != '.' && !absl::StrContains(name, "/");
}

const char* StateName(tailor::v1::ModelVersionState state) {
  switch (state) {
    case MODEL_VERSION_STATE_LOADING:
      return "LOADING";
    case MODEL_VERSION_STATE_AVAILABLE:
      return "AVAILABLE";
    case MODEL_VERSION_STATE_UNLOADING:
      return "UNLOADING";
    case MODEL_VERSION_STATE_FAILED:
      return "FAILED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(
    const ModelManagerOptions& options) {
  if (options.model_base.empty()) {
    return absl::InvalidArgumentError("model manager: model_base is required");
  }
  if (!options.loader || options.fs == nullptr || options.clock == nullptr ||
      !options.log) {
    return absl::InvalidArgumentError(
        "model manager: loader, fs, clock and log are required");
  }
  if (options.policy.kind == VersionPolicy::Kind::kLatest &&
      options.policy.latest_count < 1) {
    return absl::InvalidArgumentError(
        "model manager: the latest-N policy needs N >= 1");
  }
  for (const std::string& name : options.model_names) {
    if (!IsValidModelName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("model name '", name,
                       "' must be non-empty, without '/', and not "
                       "start with '.'"));
    }
  }
  if (options.model_names.empty() && !options.fs->Exists(options.model_base)) {
    return absl::NotFoundError(absl::StrCat(
        "model base directory ", options.model_base, " does not exist"));
  }
  auto manager = absl::WrapUnique(new ModelManager(options));
  absl::MutexLock lock(&manager->mu_);
  for (const std::string& name : options.model_names) {
    manager->models_[name];
  }
  return manager;
}

absl::Status ModelManager::Poll(
    const std::map<std::string, std::set<int64_t>>& pinned) {
  absl::MutexLock poll_lock(&poll_mu_);
  absl::Status status;
  if (options_.model_names.empty()) {
    absl::StatusOr<std::vector<std::string>> names =
        options_.fs->ListDir(options_.model_base);
    if (!names.ok()) {
      status = names.status();
      options_.log(absl::StrCat("cannot list model base ", options_.model_base,
                                ": ", status.ToString()));
    } else {
      absl::MutexLock lock(&mu_);
      for (const std::string& name : *names) {
        if (IsValidModelName(name) && models_.count(name) == 0 &&
            ListModelVersions(options_.fs, options_.model_base, name).ok()) {
          models_[name];
          options_.log(absl::StrCat("model ", name, " discovered"));
        }
      }
    }
  }
  const std::set<int64_t> none;
  for (const std::string& model : ModelNames()) {
    auto it = pinned.find(model);
    absl::Status s = PollModel(model, it == pinned.end() ? none : it->second);
    if (!s.ok() && status.ok()) status = s;
  }
  return status;
}

absl::Status ModelManager::PollModel(const std::string& model,
                                     const std::set<int64_t>& pinned) {
  absl::StatusOr<std::vector<int64_t>> listed =
      ListModelVersions(options_.fs, options_.model_base, model);
  if (!listed.ok()) {
    options_.log(absl::StrCat(
        "model ", model, ": cannot list versions: ", listed.status().ToString(),
        " (serving continues unchanged)"));
    return listed.status();
  }
  const std::set<int64_t> on_disk(listed->begin(), listed->end());
  for (int round = 0; round < kMaxPlanRounds; ++round) {
    VersionState state;
    state.on_disk = on_disk;
    state.pinned = pinned;
    {
      absl::MutexLock lock(&mu_);
      Model& m = models_[model];
      for (auto it = m.versions.begin(); it != m.versions.end();) {
        Entry& e = it->second;
        const bool released = e.info.state == MODEL_VERSION_STATE_UNLOADING &&
                              e.released->HasBeenNotified();
        const bool failed_and_gone =
            e.info.state == MODEL_VERSION_STATE_FAILED &&
            on_disk.count(it->first) == 0;
        if (released || failed_and_gone) {
          it = m.versions.erase(it);
          continue;
        }
        if (e.info.state == MODEL_VERSION_STATE_FAILED) {
          state.failed.insert(it->first);
        }
        if (e.info.state == MODEL_VERSION_STATE_AVAILABLE) {
          state.available.insert(it->first);
        }
        ++it;
      }
      UpdateResident();
    }
    VersionPlan plan =
        PlanVersions(options_.policy, state, options_.unload_first);
    if (plan.to_load.empty() && plan.to_unload.empty()) break;
    for (int64_t v : plan.to_unload) Unload(model, v);
    for (int64_t v : plan.to_load) Load(model, v);
  }
  return absl::OkStatus();
}

void ModelManager::Load(const std::string& model, int64_t version) {
  const absl::Time start = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    Entry& e = models_[model].versions[version];
    e = Entry();
    e.info.version = version;
    e.info.state = MODEL_VERSION_STATE_LOADING;
    e.info.since = start;
  }
  const std::string dir =
      JoinPath(JoinPath(options_.model_base, model), absl::StrCat(version));
  absl::StatusOr<std::shared_ptr<const Servable>> loaded = options_.loader(dir);
  if (loaded.ok() && *loaded == nullptr) {
    loaded = absl::InternalError(
        absl::StrCat("loader returned no servable for ", dir));
  }
  const absl::Time end = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  Model& m = models_[model];
  Entry& e = m.versions[version];
  e.info.since = end;
  if (!loaded.ok()) {
    e.info.state = MODEL_VERSION_STATE_FAILED;
    e.info.error = loaded.status();
    ++stats_.load_failures;
    options_.log(absl::StrCat("model ", model, " version ", version,
                              " rejected: ", loaded.status().ToString(),
                              " (previous versions keep serving)"));
    return;
  }
  std::shared_ptr<const Servable> raw = std::move(loaded).value();
  auto released = std::make_shared<absl::Notification>();
  const Servable* ptr = raw.get();
  // The manager's handle: when the last request holding it finishes after an
  // unload, the servable is released and `released` fires.
  e.servable = std::shared_ptr<const Servable>(
      ptr, [raw = std::move(raw), released](const Servable*) mutable {
        raw.reset();
        released->Notify();
      });
  e.released = std::move(released);
  e.info.state = MODEL_VERSION_STATE_AVAILABLE;
  e.info.algorithm = ptr->algorithm();
  e.info.items = ptr->items();
  e.info.users = ptr->users();
  e.info.memory_bytes = ptr->MemoryBytes();
  ++stats_.loads;
  UpdateResident();
  const int64_t newest = NewestAvailable(m);
  std::string swap;
  if (newest != m.last_default) {
    if (m.last_default != 0) {
      ++stats_.swap_events;
      stats_.last_swap_resident_bytes = ModelResident(m);
      swap = absl::StrCat("; default version ", m.last_default, " -> ", newest,
                          ", model resident bytes ",
                          stats_.last_swap_resident_bytes);
    }
    m.last_default = newest;
  }
  options_.log(absl::StrCat("model ", model, " version ", version,
                            " AVAILABLE (", e.info.memory_bytes, " bytes, ",
                            absl::FormatDuration(end - start), ")", swap));
}

void ModelManager::Unload(const std::string& model, int64_t version) {
  std::shared_ptr<absl::Notification> released;
  {
    absl::MutexLock lock(&mu_);
    Model& m = models_[model];
    auto it = m.versions.find(version);
    if (it == m.versions.end() ||
        it->second.info.state != MODEL_VERSION_STATE_AVAILABLE) {
      return;
    }
    Entry& e = it->second;
    e.info.state = MODEL_VERSION_STATE_UNLOADING;
    e.info.since = options_.clock->Now();
    e.servable.reset();  // requests in flight keep their own snapshots
    released = e.released;
    ++stats_.unloads;
    options_.log(
        absl::StrCat("model ", model, " version ", version, " UNLOADING"));
    // The default may now be another version (or none, in unload-first
    // mode); a later load counts as a swap from the one that left.
    const int64_t newest = NewestAvailable(m);
    if (newest != 0) m.last_default = newest;
  }
  if (options_.unload_first &&
      !released->WaitForNotificationWithTimeout(options_.unload_wait_timeout)) {
    options_.log(absl::StrCat(
        "model ", model, " version ", version, " still in use after ",
        absl::FormatDuration(options_.unload_wait_timeout),
        "; loading the next version anyway"));
  }
}

int64_t ModelManager::NewestAvailable(const Model& model) {
  for (auto it = model.versions.rbegin(); it != model.versions.rend(); ++it) {
    if (it->second.info.state == MODEL_VERSION_STATE_AVAILABLE) {
      return it->first;
    }
  }
  return 0;
}

int64_t ModelManager::ModelResident(const Model& model) const {
  int64_t bytes = 0;
  for (const auto& [v, e] : model.versions) {
    if (e.info.state == MODEL_VERSION_STATE_AVAILABLE ||
        (e.info.state == MODEL_VERSION_STATE_UNLOADING &&
         !e.released->HasBeenNotified())) {
      bytes += e.info.memory_bytes;
    }
  }
  return bytes;
}

void ModelManager::UpdateResident() {
  int64_t bytes = 0;
  for (const auto& [name, m] : models_) bytes += ModelResident(m);
  stats_.resident_bytes = bytes;
  stats_.peak_resident_bytes = std::max(stats_.peak_resident_bytes, bytes);
}

absl::StatusOr<ModelManager::Snapshot> ModelManager::GetVersion(
    const std::string& model, int64_t version) const {
  absl::ReaderMutexLock lock(&mu_);
  auto m = models_.find(model);
  if (m == models_.end()) {
    return RankError(
        absl::StatusCode::kNotFound, tailor::v1::ERROR_REASON_MODEL_NOT_FOUND,
        model, "model_name", absl::StrCat("model '", model, "' is not served"));
  }
  auto v = m->second.versions.find(version);
  if (v == m->second.versions.end()) {
    std::vector<int64_t> available;
    for (const auto& [n, e] : m->second.versions) {
      if (e.info.state == MODEL_VERSION_STATE_AVAILABLE) available.push_back(n);
    }
    return RankError(
        absl::StatusCode::kNotFound, tailor::v1::ERROR_REASON_VERSION_NOT_FOUND,
        model, "version",
        absl::StrCat(
            "model '", model, "' has no version ", version,
            " loaded (available: ",
            available.empty() ? "none" : absl::StrJoin(available, ", "), ")"));
  }
  const Entry& e = v->second;
  switch (e.info.state) {
    case MODEL_VERSION_STATE_AVAILABLE:
      return Snapshot{e.servable, version};
    case MODEL_VERSION_STATE_FAILED:
      return RankError(
          absl::StatusCode::kNotFound,
          tailor::v1::ERROR_REASON_VERSION_NOT_FOUND, model, "version",
          absl::StrCat("model '", model, "' version ", version,
                       " failed to load: ", e.info.error.message()));
    default:
      return RankError(absl::StatusCode::kUnavailable,
                       tailor::v1::ERROR_REASON_NO_MODEL_AVAILABLE, model,
                       "version",
                       absl::StrCat("model '", model, "' version ", version,
                                    " is ", StateName(e.info.state)));
  }
}

absl::StatusOr<ModelManager::Snapshot> ModelManager::GetDefault(
    const std::string& model) const {
  absl::ReaderMutexLock lock(&mu_);
  auto m = models_.find(model);
  if (m == models_.end()) {
    return RankError(
        absl::StatusCode::kNotFound, tailor::v1::ERROR_REASON_MODEL_NOT_FOUND,
        model, "model_name", absl::StrCat("model '", model, "' is not served"));
  }
  const int64_t newest = NewestAvailable(m->second);
  if (newest == 0) {
    return RankError(
        absl::StatusCode::kUnavailable,
        tailor::v1::ERROR_REASON_NO_MODEL_AVAILABLE, model, "model_name",
        absl::StrCat("model '", model, "' has no available version yet"));
  }
  return Snapshot{m->second.versions.at(newest).servable, newest};
}

bool ModelManager::HasModel(const std::string& model) const {
  absl::ReaderMutexLock lock(&mu_);
  return models_.count(model) > 0;
}

std::vector<std::string> ModelManager::ModelNames() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, m] : models_) names.push_back(name);
  return names;
}

std::vector<VersionInfo> ModelManager::Versions(
    const std::string& model) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<VersionInfo> out;
  auto m = models_.find(model);
  if (m == models_.end()) return out;
  for (const auto& [v, e] : m->second.versions) out.push_back(e.info);
  return out;
}

int64_t ModelManager::DefaultVersion(const std::string& model) const {
  absl::ReaderMutexLock lock(&mu_);
  auto m = models_.find(model);
  return m == models_.end() ? 0 : NewestAvailable(m->second);
}

ModelManagerStats ModelManager::stats() const {
  absl::ReaderMutexLock lock(&mu_);
  ModelManagerStats stats = stats_;
  // Versions are released by the last request using them, between polls.
  stats.resident_bytes = 0;
  for (const auto& [name, m] : models_)
    stats.resident_bytes += ModelResident(m);
  return stats;
}

}  // namespace tailor::ranker
