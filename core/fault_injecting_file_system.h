#ifndef TAILOR_CORE_FAULT_INJECTING_FILE_SYSTEM_H_
#define TAILOR_CORE_FAULT_INJECTING_FILE_SYSTEM_H_

// A FileSystem wrapper for fault tests: forwards every call to a base file
// system unless a rule says the call fails, e.g. "the 3rd Append fails with
// DATA_LOSS" or "every operation below /data/bad fails with UNAVAILABLE". A
// failed call is not forwarded, so it has no effect on the base.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/file_system.h"

namespace tailor {

// The operations a rule can select. Exists() cannot fail and is never
// selected.
enum class FsOp {
  kNewWritableFile,
  kNewReadableFile,
  kAppend,  // WritableFile::Append
  kClose,   // WritableFile::Close
  kRead,    // ReadableFile::Read
  kFileSize,
  kCreateDirs,
  kListDir,
  kRename,
  kDeleteRecursively,
};

struct FaultRule {
  // Operations this rule applies to; empty means all of them.
  std::vector<FsOp> ops;
  // Applies only to paths starting with this prefix (for Rename: either
  // path; for file operations: the file's path); empty means every path.
  std::string path_prefix;
  // The first `skip` matching calls succeed, the next `count` fail (-1: all
  // later ones fail). So the Nth append is {ops={kAppend}, skip=N-1, count=1}.
  int64_t skip = 0;
  int64_t count = -1;
  // What a failing call returns (must not be OK).
  absl::Status status = absl::InternalError("injected fault");
};

// Thread-safe if the base is. The base must outlive this object; files it
// opens may outlive it.
class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem* base);
  ~FaultInjectingFileSystem() override;

  // Rules are checked in the order added; the first whose turn it is to
  // fail decides. Every matching rule counts the call.
  void AddRule(FaultRule rule);
  void ClearRules();
  // Number of calls failed so far.
  int64_t injected_faults() const;

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<ReadableFile>> NewReadableFile(
      const std::string& path) override;
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
  bool Exists(const std::string& path) override;
  absl::Status CreateDirs(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status DeleteRecursively(const std::string& path) override;

  class Rules;  // shared with open files

 private:
  FileSystem* const base_;
  const std::shared_ptr<Rules> rules_;
};

}  // namespace tailor

#endif  // TAILOR_CORE_FAULT_INJECTING_FILE_SYSTEM_H_
