#ifndef TAILOR_RANKER_ENGINE_EXPOSURE_LOG_H_
#define TAILOR_RANKER_ENGINE_EXPOSURE_LOG_H_

// The exposure log (docs/formats/ranker_exposure_log.md): one JSON line per
// served list, for the experiment framework. The active file `path` is
// written through a buffer; it is closed and renamed to `path.NNNNNN` (a
// sequence number that only grows) when it would exceed max_file_bytes, when
// it is older than max_file_age, and at Close. Consumers read the rotated
// files, which never change once they exist. Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/file_system.h"

namespace tailor::ranker {

struct ExposureRecord {
  absl::Time time;
  std::string request_id;
  std::string model;
  int64_t version = 0;
  std::string label;         // "" when not chosen by label
  std::string experiment;    // "" when no experiment
  std::string arm;           // "" when no arm served
  std::string assigned_arm;  // the assigned arm when it could not serve
  std::string unit;          // experiment unit ("" when none)
  std::string user;          // user id, or the key in decimal, "" anonymous
  bool cold_start = false;
  std::string segment;
  std::vector<std::string> item_ids;  // served order
};

// One JSON object and '\n' (the line format of the exposure log).
std::string FormatExposureLine(const ExposureRecord& record);

struct ExposureLogOptions {
  FileSystem* fs = nullptr;           // required; not owned
  Clock* clock = nullptr;             // required; not owned (file age)
  std::string path;                   // active file; its directory is created
  int64_t max_file_bytes = 64 << 20;  // rotate before exceeding (>= 1)
  absl::Duration max_file_age = absl::Seconds(60);
  int max_rotated_files = 100;  // oldest deleted beyond this; 0 keeps all
};

struct ExposureLogStats {
  int64_t lines = 0;
  int64_t bytes = 0;
  int64_t rotations = 0;
  int64_t errors = 0;
};

class ExposureLog {
 public:
  // A leftover active file (from a previous process) is rotated first, so
  // nothing is truncated. Errors name the path.
  static absl::StatusOr<std::unique_ptr<ExposureLog>> Create(
      const ExposureLogOptions& options);
  ~ExposureLog();  // Close(), errors ignored

  // Appends one line, rotating first when the file would exceed
  // max_file_bytes or is too old. On error the line is lost, the error is
  // counted and returned, and the next Append starts a fresh file.
  absl::Status Append(const ExposureRecord& record) ABSL_LOCKS_EXCLUDED(mu_);
  // Rotates the active file if it holds lines older than max_file_age.
  absl::Status RotateIfOld() ABSL_LOCKS_EXCLUDED(mu_);
  // Rotates the active file if it is not empty and stops logging.
  absl::Status Close() ABSL_LOCKS_EXCLUDED(mu_);

  ExposureLogStats stats() const ABSL_LOCKS_EXCLUDED(mu_);
  // Paths of the rotated files, oldest first.
  absl::StatusOr<std::vector<std::string>> RotatedFiles() const;

 private:
  explicit ExposureLog(const ExposureLogOptions& options);
  absl::Status Rotate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Open() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ExposureLogOptions options_;
  std::string dir_;
  std::string base_;
  mutable absl::Mutex mu_;
  std::unique_ptr<WritableFile> file_ ABSL_GUARDED_BY(mu_);
  int64_t file_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time file_opened_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  ExposureLogStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_ENGINE_EXPOSURE_LOG_H_
