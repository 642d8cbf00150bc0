#include "ranker/engine/exposure_log.h"

#include <algorithm>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace tailor::ranker {
namespace {

// Rotated files: "<base>.<digits>" -> sequence number, else -1.
int64_t RotatedSeq(absl::string_view name, absl::string_view base) {
  if (!absl::ConsumePrefix(&name, base) || !absl::ConsumePrefix(&name, ".") ||
      name.empty()) {
    return -1;
  }
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
  }
  int64_t seq = 0;
  return absl::SimpleAtoi(name, &seq) ? seq : -1;
}

}  // namespace

std::string FormatExposureLine(const ExposureRecord& r) {
  nlohmann::json j = nlohmann::json::object();
  j["ts_ms"] = absl::ToUnixMillis(r.time);
  j["request_id"] = r.request_id;
  j["model"] = r.model;
  j["version"] = r.version;
  j["label"] = r.label;
  j["experiment"] = r.experiment;
  j["arm"] = r.arm;
  if (!r.assigned_arm.empty()) j["assigned_arm"] = r.assigned_arm;
  j["unit"] = r.unit;
  j["user"] = r.user;
  j["cold_start"] = r.cold_start;
  j["segment"] = r.segment;
  j["items"] = r.item_ids;
  // Invalid UTF-8 in caller-supplied strings is replaced, never thrown.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

ExposureLog::ExposureLog(const ExposureLogOptions& options)
    : options_(options) {
  const size_t slash = options_.path.rfind('/');
  if (slash == std::string::npos) {
    dir_ = ".";
    base_ = options_.path;
  } else {
    dir_ = slash == 0 ? "/" : options_.path.substr(0, slash);
    base_ = options_.path.substr(slash + 1);
  }
}

absl::StatusOr<std::unique_ptr<ExposureLog>> ExposureLog::Create(
    const ExposureLogOptions& options) {
  if (options.fs == nullptr || options.clock == nullptr) {
    return absl::InvalidArgumentError("exposure log: fs and clock required");
  }
  if (options.path.empty() || options.path.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "exposure log path '", options.path, "' must name a file"));
  }
  if (options.max_file_bytes < 1 || options.max_rotated_files < 0) {
    return absl::InvalidArgumentError(
        "exposure log: max_file_bytes must be >= 1 and max_rotated_files "
        ">= 0");
  }
  auto log = absl::WrapUnique(new ExposureLog(options));
  TAILOR_RETURN_IF_ERROR(options.fs->CreateDirs(log->dir_));
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          options.fs->ListDir(log->dir_));
  absl::MutexLock lock(&log->mu_);
  for (const std::string& name : names) {
    log->next_seq_ = std::max(log->next_seq_, RotatedSeq(name, log->base_) + 1);
  }
  // A leftover active file is kept as a rotated file.
  if (options.fs->Exists(options.path)) {
    TAILOR_ASSIGN_OR_RETURN(uint64_t size, options.fs->FileSize(options.path));
    if (size > 0) {
      TAILOR_RETURN_IF_ERROR(log->Rotate());
    } else {
      TAILOR_RETURN_IF_ERROR(options.fs->DeleteRecursively(options.path));
    }
  }
  return log;
}

ExposureLog::~ExposureLog() { Close().IgnoreError(); }

absl::Status ExposureLog::Open() {
  TAILOR_ASSIGN_OR_RETURN(file_, options_.fs->NewWritableFile(options_.path));
  file_bytes_ = 0;
  file_opened_ = options_.clock->Now();
  return absl::OkStatus();
}

absl::Status ExposureLog::Rotate() {
  if (file_ != nullptr) {
    absl::Status closed = file_->Close();
    file_.reset();
    if (!closed.ok()) return closed;
  }
  const std::string to = absl::StrFormat("%s.%06d", options_.path, next_seq_);
  TAILOR_RETURN_IF_ERROR(options_.fs->Rename(options_.path, to));
  ++next_seq_;
  ++stats_.rotations;
  file_bytes_ = 0;
  if (options_.max_rotated_files > 0) {
    TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> rotated, RotatedFiles());
    for (size_t i = 0; i + options_.max_rotated_files < rotated.size(); ++i) {
      TAILOR_RETURN_IF_ERROR(options_.fs->DeleteRecursively(rotated[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status ExposureLog::Append(const ExposureRecord& record) {
  const std::string line = FormatExposureLine(record);
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return absl::FailedPreconditionError(
        absl::StrCat("exposure log ", options_.path, " is closed"));
  }
  absl::Status status;
  if (file_ != nullptr && file_bytes_ > 0 &&
      (file_bytes_ + static_cast<int64_t>(line.size()) >
           options_.max_file_bytes ||
       options_.clock->Now() - file_opened_ >= options_.max_file_age)) {
    status = Rotate();
  }
  if (status.ok() && file_ == nullptr) {
    // A file left by a failed write is kept before starting afresh.
    if (options_.fs->Exists(options_.path)) status = Rotate();
    if (status.ok()) status = Open();
  }
  if (status.ok()) status = file_->Append(line);
  if (!status.ok()) {
    ++stats_.errors;
    file_.reset();
    return status;
  }
  file_bytes_ += line.size();
  ++stats_.lines;
  stats_.bytes += line.size();
  return absl::OkStatus();
}

absl::Status ExposureLog::RotateIfOld() {
  absl::MutexLock lock(&mu_);
  if (file_ == nullptr || file_bytes_ == 0 ||
      options_.clock->Now() - file_opened_ < options_.max_file_age) {
    return absl::OkStatus();
  }
  absl::Status status = Rotate();
  if (!status.ok()) ++stats_.errors;
  return status;
}

absl::Status ExposureLog::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return absl::OkStatus();
  closed_ = true;
  if (file_ == nullptr) return absl::OkStatus();
  if (file_bytes_ == 0) {
    absl::Status s = file_->Close();
    file_.reset();
    if (!s.ok()) return s;
    return options_.fs->DeleteRecursively(options_.path);
  }
  absl::Status status = Rotate();
  if (!status.ok()) ++stats_.errors;
  return status;
}

ExposureLogStats ExposureLog::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

absl::StatusOr<std::vector<std::string>> ExposureLog::RotatedFiles() const {
  TAILOR_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          options_.fs->ListDir(dir_));
  std::vector<std::pair<int64_t, std::string>> rotated;
  for (const std::string& name : names) {
    const int64_t seq = RotatedSeq(name, base_);
    if (seq >= 0) rotated.emplace_back(seq, JoinPath(dir_, name));
  }
  std::sort(rotated.begin(), rotated.end());
  std::vector<std::string> paths;
  for (auto& [seq, path] : rotated) paths.push_back(std::move(path));
  return paths;
}

}  // namespace tailor::ranker
