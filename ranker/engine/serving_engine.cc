#include "ranker/engine/serving_engine.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "ranker/engine/rank_error.h"

namespace tailor::ranker {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

struct ServingRankEngine::Resolved {
  ModelManager::Snapshot snapshot;
  std::string label;
  std::string experiment;
  std::string arm;
  std::string assigned_arm;  // set when the arm could not serve
  std::string unit;
};

namespace {

std::string UserString(const RankRequest& request) {
  switch (request.user_case()) {
    case RankRequest::kUserId:
      return request.user_id();
    case RankRequest::kUserKey:
      return absl::StrCat(request.user_key());
    default:
      return "";
  }
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

}  // namespace

ServingRankEngine::ServingRankEngine(const RankEngineOptions& options)
    : options_(options) {}

absl::StatusOr<std::unique_ptr<ServingRankEngine>> CreateRankEngine(
    const RankEngineOptions& options) {
  return ServingRankEngine::Create(options);
}

absl::StatusOr<std::unique_ptr<ServingRankEngine>> ServingRankEngine::Create(
    const RankEngineOptions& options) {
  if (!options.loader) {
    return absl::InvalidArgumentError("rank engine: a loader is required");
  }
  if (options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "rank engine: poll_interval must be positive");
  }
  auto engine = absl::WrapUnique(new ServingRankEngine(options));
  RankEngineOptions& o = engine->options_;
  if (o.fs == nullptr) o.fs = PosixFileSystem();
  if (o.clock == nullptr) o.clock = RealClock();
  if (!o.log) {
    o.log = [](const std::string& line) {
      std::fprintf(stderr, "tailor_ranker: %s\n", line.c_str());
    };
  }
  if (o.hostname.empty()) o.hostname = Hostname();
  engine->request_id_prefix_ =
      absl::StrFormat("%s-%x", o.replica.empty() ? o.hostname : o.replica,
                      absl::ToUnixMillis(o.clock->Now()));

  ModelManagerOptions m;
  m.model_base = o.model_base;
  m.model_names = o.model_names;
  m.policy = o.version_policy;
  m.unload_first = o.unload_first;
  m.unload_wait_timeout = o.unload_wait_timeout;
  m.loader = o.loader;
  m.fs = o.fs;
  m.clock = o.clock;
  m.log = o.log;
  TAILOR_ASSIGN_OR_RETURN(engine->manager_, ModelManager::Create(m));

  // Configs must be valid at start; later bad edits are kept out.
  TAILOR_RETURN_IF_ERROR(engine->ReloadConfigs());
  if (!o.exposure_log_path.empty()) {
    ExposureLogOptions e;
    e.fs = o.fs;
    e.clock = o.clock;
    e.path = o.exposure_log_path;
    e.max_file_bytes = o.exposure_log_max_file_bytes;
    e.max_file_age = o.exposure_log_max_file_age;
    e.max_rotated_files = o.exposure_log_max_rotated_files;
    TAILOR_ASSIGN_OR_RETURN(engine->exposure_log_, ExposureLog::Create(e));
  }
  TAILOR_RETURN_IF_ERROR(engine->Poll());
  return engine;
}

ServingRankEngine::~ServingRankEngine() {
  StopPolling();
  if (exposure_log_ != nullptr) {
    absl::Status s = exposure_log_->Close();
    if (!s.ok()) options_.log(absl::StrCat("exposure log: ", s.ToString()));
  }
}

absl::Status ServingRankEngine::ReloadConfigs() {
  absl::Status status;
  auto read = [&](const std::string& path) -> absl::StatusOr<std::string> {
    return ReadFileToString(options_.fs, path);
  };
  std::string labels_text, experiments_text;
  std::shared_ptr<const LabelsConfig> labels;
  std::shared_ptr<const ExperimentsConfig> experiments;
  {
    absl::MutexLock lock(&mu_);
    labels_text = labels_text_;
    experiments_text = experiments_text_;
    labels = labels_;
    experiments = experiments_;
  }
  bool changed = false;
  if (!options_.labels_config_path.empty()) {
    absl::StatusOr<std::string> text = read(options_.labels_config_path);
    if (!text.ok()) {
      status = text.status();
    } else if (*text != labels_text || labels == nullptr) {
      absl::StatusOr<LabelsConfig> parsed =
          LabelsConfig::Parse(*text, options_.labels_config_path);
      if (parsed.ok()) {
        labels = std::make_shared<const LabelsConfig>(*std::move(parsed));
        labels_text = *std::move(text);
        changed = true;
      } else {
        status = parsed.status();
      }
    }
  }
  if (labels == nullptr) labels = std::make_shared<const LabelsConfig>();
  if (!options_.experiments_config_path.empty()) {
    absl::StatusOr<std::string> text = read(options_.experiments_config_path);
    if (!text.ok()) {
      if (status.ok()) status = text.status();
    } else if (*text != experiments_text || experiments == nullptr) {
      absl::StatusOr<ExperimentsConfig> parsed =
          ExperimentsConfig::Parse(*text, options_.experiments_config_path);
      if (parsed.ok()) {
        experiments =
            std::make_shared<const ExperimentsConfig>(*std::move(parsed));
        experiments_text = *std::move(text);
        changed = true;
      } else if (status.ok()) {
        status = parsed.status();
      }
    }
  }
  if (experiments == nullptr) {
    experiments = std::make_shared<const ExperimentsConfig>();
  }
  absl::MutexLock lock(&mu_);
  labels_ = std::move(labels);
  experiments_ = std::move(experiments);
  labels_text_ = std::move(labels_text);
  experiments_text_ = std::move(experiments_text);
  if (changed) {
    ++config_reloads_;
    options_.log("labels / experiments config loaded");
  }
  if (!status.ok()) {
    ++config_errors_;
    const std::string error = status.ToString();
    if (error != last_config_error_) {
      options_.log(absl::StrCat("config not applied, previous kept: ", error));
    }
    last_config_error_ = error;
  } else {
    last_config_error_.clear();
  }
  return status;
}

std::map<std::string, std::set<int64_t>> ServingRankEngine::PinnedVersions()
    const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, std::set<int64_t>> pinned;
  for (const auto& [model, labels] : labels_->models()) {
    for (const auto& [label, version] : labels) pinned[model].insert(version);
  }
  for (const Experiment& x : experiments_->experiments()) {
    for (const ExperimentArm& arm : x.arms) {
      if (arm.version.has_value()) {
        pinned[x.model].insert(*arm.version);
      } else if (auto v = labels_->Find(x.model, arm.label)) {
        pinned[x.model].insert(*v);
      }
    }
  }
  return pinned;
}

absl::Status ServingRankEngine::Poll() {
  absl::MutexLock poll_lock(&poll_mu_);
  absl::Status status = ReloadConfigs();
  absl::Status polled = manager_->Poll(PinnedVersions());
  if (status.ok()) status = polled;
  if (exposure_log_ != nullptr) {
    absl::Status rotated = exposure_log_->RotateIfOld();
    if (!rotated.ok()) {
      options_.log(absl::StrCat("exposure log: ", rotated.ToString()));
      if (status.ok()) status = rotated;
    }
  }
  absl::MutexLock lock(&mu_);
  ++polls_;
  return status;
}

void ServingRankEngine::StartPolling() {
  absl::MutexLock thread_lock(&thread_mu_);
  if (poller_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
  }
  poller_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.poll_interval);
        if (stop_) return;
      }
      Poll().IgnoreError();  // logged by Poll's parts
    }
  });
}

void ServingRankEngine::StopPolling() {
  absl::MutexLock thread_lock(&thread_mu_);
  if (!poller_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  poller_.join();
}

int64_t ServingRankEngine::polls_completed() const {
  absl::MutexLock lock(&mu_);
  return polls_;
}

bool ServingRankEngine::AwaitPolls(int64_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this, n]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return polls_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void ServingRankEngine::CountArm(const std::string& model,
                                 const std::string& experiment,
                                 const std::string& arm, bool served) {
  absl::MutexLock lock(&mu_);
  ArmStats& s = arms_[{model, experiment, arm}];
  if (s.arm.empty()) {
    s.model = model;
    s.experiment = experiment;
    s.arm = arm;
  }
  ++s.assigned;
  ++(served ? s.served : s.fallbacks);
}

absl::StatusOr<ServingRankEngine::Resolved> ServingRankEngine::Resolve(
    const RankRequest& request) {
  const std::string& model = request.model_name();
  std::shared_ptr<const LabelsConfig> labels;
  std::shared_ptr<const ExperimentsConfig> experiments;
  {
    absl::MutexLock lock(&mu_);
    labels = labels_;
    experiments = experiments_;
  }
  Resolved r;
  if (request.version_choice_case() == RankRequest::kVersion) {
    TAILOR_ASSIGN_OR_RETURN(r.snapshot,
                            manager_->GetVersion(model, request.version()));
    return r;
  }
  if (request.version_choice_case() == RankRequest::kVersionLabel) {
    std::optional<int64_t> v = labels->Find(model, request.version_label());
    if (!v.has_value()) {
      std::vector<std::string> names;
      for (const auto& [name, version] : labels->LabelsOf(model)) {
        names.push_back(name);
      }
      return RankError(
          absl::StatusCode::kNotFound,
          tailor::v1::ERROR_REASON_VERSION_NOT_FOUND, model, "version_label",
          absl::StrCat("model '", model, "' has no label '",
                       request.version_label(), "' (labels: ",
                       names.empty() ? "none" : absl::StrJoin(names, ", "),
                       ")"));
    }
    TAILOR_ASSIGN_OR_RETURN(r.snapshot, manager_->GetVersion(model, *v));
    r.label = request.version_label();
    return r;
  }
  r.unit = request.unit_id().empty() ? UserString(request) : request.unit_id();
  const Experiment* x = experiments->ForModel(model);
  if (x != nullptr && !r.unit.empty()) {
    if (const ExperimentArm* arm = x->Assign(r.unit)) {
      std::optional<int64_t> v = arm->version;
      if (!v.has_value()) v = labels->Find(model, arm->label);
      absl::StatusOr<ModelManager::Snapshot> snapshot =
          v.has_value() ? manager_->GetVersion(model, *v)
                        : absl::NotFoundError("label not defined");
      CountArm(model, x->name, arm->name, snapshot.ok());
      r.experiment = x->name;
      if (snapshot.ok()) {
        r.snapshot = *std::move(snapshot);
        r.arm = arm->name;
        r.label = arm->label;
        return r;
      }
      r.assigned_arm = arm->name;  // falls back to the default version
    }
  }
  TAILOR_ASSIGN_OR_RETURN(r.snapshot, manager_->GetDefault(model));
  return r;
}

absl::StatusOr<RankResponse> ServingRankEngine::Rank(const RankRequest& request,
                                                     const RankCall& call) {
  const absl::Time start = options_.clock->Now();
  TAILOR_RETURN_IF_ERROR(ValidateRankRequest(request, options_.limits));
  if (call.cancelled && call.cancelled()) {
    return absl::CancelledError("Rank: cancelled by the caller");
  }
  if (start >= call.deadline) {
    return absl::DeadlineExceededError("Rank: deadline passed before ranking");
  }
  const std::string& model = request.model_name();
  if (!manager_->HasModel(model)) {
    return RankError(
        absl::StatusCode::kNotFound, tailor::v1::ERROR_REASON_MODEL_NOT_FOUND,
        model, "model_name",
        absl::StrCat("model '", model, "' is not served (models: ",
                     absl::StrJoin(manager_->ModelNames(), ", "), ")"));
  }
  std::string request_id = request.request_id();
  {
    absl::MutexLock lock(&mu_);
    ++requests_by_model_[model];
    if (request_id.empty()) {
      request_id = absl::StrCat(request_id_prefix_, "-", ++next_request_seq_);
    }
  }
  TAILOR_ASSIGN_OR_RETURN(Resolved resolved, Resolve(request));
  RankCall servable_call = call;
  servable_call.version_label = resolved.label;
  servable_call.experiment_arm = resolved.arm;
  TAILOR_ASSIGN_OR_RETURN(
      RankResponse response,
      resolved.snapshot.servable->Rank(request, servable_call));
  response.set_model_name(model);
  response.set_model_version(resolved.snapshot.version);
  response.set_version_label(resolved.label);
  response.set_experiment_arm(resolved.arm);
  response.set_request_id(request_id);
  tailor::v1::ServedBy* served_by = response.mutable_served_by();
  served_by->set_hostname(options_.hostname);
  served_by->set_replica(options_.replica);
  served_by->set_build(options_.build);
  if (exposure_log_ != nullptr) {
    ExposureRecord record;
    record.time = start;
    record.request_id = request_id;
    record.model = model;
    record.version = resolved.snapshot.version;
    record.label = resolved.label;
    record.experiment = resolved.experiment;
    record.arm = resolved.arm;
    record.assigned_arm = resolved.assigned_arm;
    record.unit = resolved.unit;
    record.user = UserString(request);
    record.cold_start = response.cold_start();
    record.segment = response.user_segment();
    record.item_ids.reserve(response.items_size());
    for (const tailor::v1::RankedItem& item : response.items()) {
      record.item_ids.push_back(item.item_id().empty()
                                    ? absl::StrCat(item.item_key())
                                    : item.item_id());
    }
    absl::Status logged = exposure_log_->Append(record);
    if (!logged.ok()) {
      // The list is still served; the error is counted in the stats.
      options_.log(absl::StrCat("exposure log: ", logged.ToString()));
    }
  }
  served_by->set_server_latency_us(static_cast<uint64_t>(
      absl::ToInt64Microseconds(options_.clock->Now() - start)));
  return response;
}

absl::StatusOr<tailor::v1::GetModelStatusResponse>
ServingRankEngine::GetModelStatus(
    const tailor::v1::GetModelStatusRequest& request) {
  std::vector<std::string> models;
  if (request.model_name().empty()) {
    models = manager_->ModelNames();
  } else if (manager_->HasModel(request.model_name())) {
    models.push_back(request.model_name());
  } else {
    return RankError(
        absl::StatusCode::kNotFound, tailor::v1::ERROR_REASON_MODEL_NOT_FOUND,
        request.model_name(), "model_name",
        absl::StrCat("model '", request.model_name(), "' is not served"));
  }
  std::shared_ptr<const LabelsConfig> labels;
  {
    absl::MutexLock lock(&mu_);
    labels = labels_;
  }
  tailor::v1::GetModelStatusResponse response;
  for (const std::string& model : models) {
    tailor::v1::ModelStatus* status = response.add_models();
    status->set_model_name(model);
    for (const VersionInfo& info : manager_->Versions(model)) {
      tailor::v1::ModelVersionStatus* v = status->add_versions();
      v->set_version(info.version);
      v->set_state(info.state);
      v->set_error_code(static_cast<int32_t>(info.error.code()));
      v->set_error_message(std::string(info.error.message()));
      v->set_state_since_unix_ms(absl::ToUnixMillis(info.since));
      v->set_algorithm(info.algorithm);
      v->set_items(info.items);
      v->set_users(info.users);
    }
    for (const auto& [label, version] : labels->LabelsOf(model)) {
      (*status->mutable_labels())[label] = version;
    }
    status->set_default_version(manager_->DefaultVersion(model));
  }
  return response;
}

RankEngineStats ServingRankEngine::stats() const {
  RankEngineStats s;
  s.manager = manager_->stats();
  for (const std::string& model : manager_->ModelNames()) {
    for (const VersionInfo& info : manager_->Versions(model)) {
      s.versions.push_back(
          {model, info.version, info.state, info.memory_bytes});
    }
  }
  if (exposure_log_ != nullptr) {
    const ExposureLogStats e = exposure_log_->stats();
    s.exposure_log_lines = e.lines;
    s.exposure_log_rotations = e.rotations;
    s.exposure_log_errors = e.errors;
  }
  absl::MutexLock lock(&mu_);
  s.requests_by_model = requests_by_model_;
  for (const auto& [key, arm] : arms_) s.arms.push_back(arm);
  s.polls = polls_;
  s.config_reloads = config_reloads_;
  s.config_errors = config_errors_;
  return s;
}

}  // namespace tailor::ranker
