#include "core/fault_injecting_file_system.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"

namespace tailor {

class FaultInjectingFileSystem::Rules {
 public:
  void Add(FaultRule rule) {
    absl::MutexLock lock(&mu_);
    rules_.push_back(State{std::move(rule), 0});
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    rules_.clear();
  }
  int64_t injected() const {
    absl::MutexLock lock(&mu_);
    return injected_;
  }

  // OK when the call may proceed, else the injected status.
  absl::Status Check(FsOp op, absl::string_view path,
                     absl::string_view other_path = {}) {
    absl::MutexLock lock(&mu_);
    absl::Status result;
    for (State& s : rules_) {
      const FaultRule& r = s.rule;
      if (!r.ops.empty() &&
          std::find(r.ops.begin(), r.ops.end(), op) == r.ops.end()) {
        continue;
      }
      if (!r.path_prefix.empty() && !absl::StartsWith(path, r.path_prefix) &&
          !(!other_path.empty() &&
            absl::StartsWith(other_path, r.path_prefix))) {
        continue;
      }
      const int64_t seen = s.seen++;
      if (result.ok() && seen >= r.skip &&
          (r.count < 0 || seen < r.skip + r.count)) {
        result =
            r.status.ok() ? absl::InternalError("injected fault") : r.status;
      }
    }
    if (!result.ok()) ++injected_;
    return result;
  }

 private:
  struct State {
    FaultRule rule;
    int64_t seen;  // matching calls so far
  };
  mutable absl::Mutex mu_;
  std::vector<State> rules_ ABSL_GUARDED_BY(mu_);
  int64_t injected_ ABSL_GUARDED_BY(mu_) = 0;
};

namespace {

using Rules = FaultInjectingFileSystem::Rules;

class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(std::string path, std::unique_ptr<WritableFile> base,
                     std::shared_ptr<Rules> rules)
      : path_(std::move(path)),
        base_(std::move(base)),
        rules_(std::move(rules)) {}

  absl::Status Append(absl::string_view data) override {
    absl::Status s = rules_->Check(FsOp::kAppend, path_);
    return s.ok() ? base_->Append(data) : s;
  }
  absl::Status Close() override {
    absl::Status s = rules_->Check(FsOp::kClose, path_);
    return s.ok() ? base_->Close() : s;
  }

 private:
  const std::string path_;
  const std::unique_ptr<WritableFile> base_;
  const std::shared_ptr<Rules> rules_;
};

class FaultyReadableFile final : public ReadableFile {
 public:
  FaultyReadableFile(std::string path, std::unique_ptr<ReadableFile> base,
                     std::shared_ptr<Rules> rules)
      : path_(std::move(path)),
        base_(std::move(base)),
        rules_(std::move(rules)) {}

  absl::StatusOr<size_t> Read(size_t n, char* buffer) override {
    absl::Status s = rules_->Check(FsOp::kRead, path_);
    if (!s.ok()) return s;
    return base_->Read(n, buffer);
  }

 private:
  const std::string path_;
  const std::unique_ptr<ReadableFile> base_;
  const std::shared_ptr<Rules> rules_;
};

}  // namespace

FaultInjectingFileSystem::FaultInjectingFileSystem(FileSystem* base)
    : base_(base), rules_(std::make_shared<Rules>()) {}

FaultInjectingFileSystem::~FaultInjectingFileSystem() = default;

void FaultInjectingFileSystem::AddRule(FaultRule rule) {
  rules_->Add(std::move(rule));
}

void FaultInjectingFileSystem::ClearRules() { rules_->Clear(); }

int64_t FaultInjectingFileSystem::injected_faults() const {
  return rules_->injected();
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectingFileSystem::NewWritableFile(const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kNewWritableFile, path);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      base_->NewWritableFile(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<WritableFile>(
      new FaultyWritableFile(path, *std::move(file), rules_));
}

absl::StatusOr<std::unique_ptr<ReadableFile>>
FaultInjectingFileSystem::NewReadableFile(const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kNewReadableFile, path);
  if (!s.ok()) return s;
  absl::StatusOr<std::unique_ptr<ReadableFile>> file =
      base_->NewReadableFile(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<ReadableFile>(
      new FaultyReadableFile(path, *std::move(file), rules_));
}

absl::StatusOr<uint64_t> FaultInjectingFileSystem::FileSize(
    const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kFileSize, path);
  if (!s.ok()) return s;
  return base_->FileSize(path);
}

bool FaultInjectingFileSystem::Exists(const std::string& path) {
  return base_->Exists(path);
}

absl::Status FaultInjectingFileSystem::CreateDirs(const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kCreateDirs, path);
  return s.ok() ? base_->CreateDirs(path) : s;
}

absl::StatusOr<std::vector<std::string>> FaultInjectingFileSystem::ListDir(
    const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kListDir, path);
  if (!s.ok()) return s;
  return base_->ListDir(path);
}

absl::Status FaultInjectingFileSystem::Rename(const std::string& from,
                                              const std::string& to) {
  absl::Status s = rules_->Check(FsOp::kRename, from, to);
  return s.ok() ? base_->Rename(from, to) : s;
}

absl::Status FaultInjectingFileSystem::DeleteRecursively(
    const std::string& path) {
  absl::Status s = rules_->Check(FsOp::kDeleteRecursively, path);
  return s.ok() ? base_->DeleteRecursively(path) : s;
}

}  // namespace tailor
