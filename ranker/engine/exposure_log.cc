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

// Appends `s` as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD.
void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c < 0x20 || c == 0x7f) {
        absl::StrAppend(out, absl::StrFormat("\\u%04x", c));
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: its length from the lead byte, then checks for
    // continuation bytes, overlong forms, surrogates and > U+10FFFF.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool valid = len > 0 && i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) valid = false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (valid) {
      valid = !(len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) &&
              !(len == 4 && (cp < 0x10000 || cp > 0x10ffff));
    }
    if (valid) {
      out->append(s.data() + i, len);
      i += len;
    } else {
      out->append("\xef\xbf\xbd");  // U+FFFD
      ++i;
    }
  }
  out->push_back('"');
}

}  // namespace

std::string FormatExposureLine(const ExposureRecord& r) {
  std::string line;
  line.reserve(256 + 16 * r.item_ids.size());
  auto field = [&line](absl::string_view key, absl::string_view value) {
    absl::StrAppend(&line, ",\"", key, "\":");
    AppendJsonString(value, &line);
  };
  absl::StrAppend(&line, "{\"ts_ms\":", absl::ToUnixMillis(r.time));
  field("request_id", r.request_id);
  field("model", r.model);
  absl::StrAppend(&line, ",\"version\":", r.version);
  field("label", r.label);
  field("experiment", r.experiment);
  field("arm", r.arm);
  if (!r.assigned_arm.empty()) field("assigned_arm", r.assigned_arm);
  field("unit", r.unit);
  field("user", r.user);
  absl::StrAppend(&line, ",\"cold_start\":", r.cold_start ? "true" : "false");
  field("segment", r.segment);
  line.append(",\"items\":[");
  for (size_t i = 0; i < r.item_ids.size(); ++i) {
    if (i > 0) line.push_back(',');
    AppendJsonString(r.item_ids[i], &line);
  }
  line.append("]}\n");
  return line;
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
