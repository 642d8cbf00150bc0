// The in-memory FileSystem used by tests.

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/file_system.h"

namespace tailor {
namespace {

// One file's bytes, shared by the directory entry and any open handles (like
// an inode: a handle keeps working after the entry is renamed or deleted).
struct MemFile {
  absl::Mutex mu;
  std::string contents ABSL_GUARDED_BY(mu);
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<MemFile> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  absl::Status Append(absl::string_view data) override {
    if (file_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("append to closed file '", path_, "'"));
    }
    absl::MutexLock lock(&file_->mu);
    file_->contents.append(data.data(), data.size());
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (file_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("close of already closed file '", path_, "'"));
    }
    file_ = nullptr;
    return absl::OkStatus();
  }

 private:
  const std::string path_;
  std::shared_ptr<MemFile> file_;
};

class MemReadableFile final : public ReadableFile {
 public:
  explicit MemReadableFile(std::shared_ptr<MemFile> file)
      : file_(std::move(file)) {}

  absl::StatusOr<size_t> Read(size_t n, char* buffer) override {
    MemFile* const f = file_.get();
    absl::MutexLock lock(&f->mu);
    const size_t size = f->contents.size();
    if (offset_ >= size) return size_t{0};
    const size_t count = std::min(n, size - offset_);
    std::memcpy(buffer, f->contents.data() + offset_, count);
    offset_ += count;
    return count;
  }

 private:
  const std::shared_ptr<MemFile> file_;
  size_t offset_ = 0;
};

// Paths are normalized ('//' collapsed, trailing '/' dropped) and otherwise
// used as plain keys; "" and "/" name the root, which always exists. A
// directory exists when it was created or when some entry lies below it.
// Like POSIX, creating a file needs its parent directory to exist.
class InMemoryFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    if (IsRoot(path) || IsDirLocked(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat("open for writing '", raw_path, "': is a directory"));
    }
    absl::Status status = CheckParentLocked(path, raw_path, "open for writing");
    if (!status.ok()) return status;
    auto file = std::make_shared<MemFile>();
    files_[path] = file;
    return std::unique_ptr<WritableFile>(
        new MemWritableFile(raw_path, std::move(file)));
  }

  absl::StatusOr<std::unique_ptr<ReadableFile>> NewReadableFile(
      const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      return NotFoundOrDirLocked(path, raw_path, "open for reading");
    }
    return std::unique_ptr<ReadableFile>(new MemReadableFile(it->second));
  }

  absl::StatusOr<uint64_t> FileSize(const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    std::shared_ptr<MemFile> file;
    {
      absl::MutexLock lock(&mu_);
      auto it = files_.find(path);
      if (it == files_.end())
        return NotFoundOrDirLocked(path, raw_path, "stat");
      file = it->second;
    }
    absl::MutexLock lock(&file->mu);
    return static_cast<uint64_t>(file->contents.size());
  }

  bool Exists(const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    return IsRoot(path) || files_.count(path) > 0 || IsDirLocked(path);
  }

  absl::Status CreateDirs(const std::string& raw_path) override {
    if (raw_path.empty()) {
      return absl::InvalidArgumentError("CreateDirs: empty path");
    }
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    // Every prefix must be a directory or absent.
    for (std::string p = path; !IsRoot(p); p = Parent(p)) {
      if (files_.count(p) > 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "create directory '", raw_path, "': '", p, "' is a file"));
      }
    }
    for (std::string p = path; !IsRoot(p); p = Parent(p)) dirs_.insert(p);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    if (!IsRoot(path) && !IsDirLocked(path)) {
      if (files_.count(path) > 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("list directory '", raw_path, "': not a directory"));
      }
      return absl::NotFoundError(absl::StrCat("list directory '", raw_path,
                                              "': No such file or directory"));
    }
    const std::string prefix = ChildPrefix(path);
    std::set<std::string> names;
    auto collect = [&](const auto& container) {
      for (auto it = container.lower_bound(prefix);
           it != container.end() && StartsWith(KeyOf(*it), prefix); ++it) {
        absl::string_view rest = KeyOf(*it);
        rest.remove_prefix(prefix.size());
        absl::string_view name = rest.substr(0, rest.find('/'));
        if (!name.empty()) names.emplace(name);
      }
    };
    collect(files_);
    collect(dirs_);
    return std::vector<std::string>(names.begin(), names.end());
  }

  absl::Status Rename(const std::string& raw_from,
                      const std::string& raw_to) override {
    const std::string from = Normalize(raw_from);
    const std::string to = Normalize(raw_to);
    auto error = [&](absl::StatusCode code, absl::string_view why) {
      return absl::Status(code, absl::StrCat("rename '", raw_from, "' to '",
                                             raw_to, "': ", why));
    };
    absl::MutexLock lock(&mu_);
    const bool from_is_file = files_.count(from) > 0;
    const bool from_is_dir = !from_is_file && IsDirLocked(from);
    if (!from_is_file && !from_is_dir) {
      return error(absl::StatusCode::kNotFound, "No such file or directory");
    }
    if (IsRoot(from) || IsRoot(to)) {
      return error(absl::StatusCode::kInvalidArgument, "cannot rename root");
    }
    if (from == to) return absl::OkStatus();
    if (!IsRoot(Parent(to)) && !IsDirLocked(Parent(to))) {
      return error(absl::StatusCode::kNotFound,
                   "destination directory does not exist");
    }
    const bool to_is_file = files_.count(to) > 0;
    const bool to_is_dir = !to_is_file && IsDirLocked(to);
    if (from_is_file) {
      if (to_is_dir) {
        return error(absl::StatusCode::kFailedPrecondition,
                     "destination is a directory");
      }
      files_[to] = files_[from];
      files_.erase(from);
      return absl::OkStatus();
    }
    if (to_is_file) {
      return error(absl::StatusCode::kFailedPrecondition,
                   "destination is a file");
    }
    if (StartsWith(to, ChildPrefix(from))) {
      return error(absl::StatusCode::kInvalidArgument,
                   "cannot move a directory into itself");
    }
    if (to_is_dir && HasChildrenLocked(to)) {
      return error(absl::StatusCode::kFailedPrecondition,
                   "destination directory is not empty");
    }
    // Move the subtree: the directory itself and every entry below it.
    dirs_.erase(to);
    dirs_.erase(from);
    dirs_.insert(to);
    const std::string from_prefix = ChildPrefix(from);
    const std::string to_prefix = ChildPrefix(to);
    MoveSubtree(files_, from_prefix, to_prefix);
    MoveSubtree(dirs_, from_prefix, to_prefix);
    return absl::OkStatus();
  }

  absl::Status DeleteRecursively(const std::string& raw_path) override {
    const std::string path = Normalize(raw_path);
    absl::MutexLock lock(&mu_);
    if (files_.erase(path) > 0) return absl::OkStatus();
    if (IsRoot(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("delete '", raw_path, "': cannot delete root"));
    }
    if (!IsDirLocked(path)) {
      return absl::NotFoundError(
          absl::StrCat("delete '", raw_path, "': No such file or directory"));
    }
    dirs_.erase(path);
    const std::string prefix = ChildPrefix(path);
    EraseSubtree(files_, prefix);
    EraseSubtree(dirs_, prefix);
    return absl::OkStatus();
  }

 private:
  static std::string Normalize(const std::string& path) {
    std::string out;
    out.reserve(path.size());
    for (char c : path) {
      if (c == '/' && !out.empty() && out.back() == '/') continue;
      out.push_back(c);
    }
    if (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
  }
  static bool IsRoot(const std::string& p) { return p.empty() || p == "/"; }
  static std::string Parent(const std::string& p) {
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos) return "";
    if (slash == 0) return "/";
    return p.substr(0, slash);
  }
  // The prefix shared by every path strictly below directory `p`.
  static std::string ChildPrefix(const std::string& p) {
    if (p.empty()) return "";
    if (p == "/") return "/";
    return p + "/";
  }
  static bool StartsWith(absl::string_view s, absl::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
  }
  static absl::string_view KeyOf(const std::string& s) { return s; }
  template <typename V>
  static absl::string_view KeyOf(const std::pair<const std::string, V>& kv) {
    return kv.first;
  }
  template <typename Container>
  static void EraseSubtree(Container& c, const std::string& prefix) {
    auto it = c.lower_bound(prefix);
    while (it != c.end() && StartsWith(KeyOf(*it), prefix)) it = c.erase(it);
  }
  // Renames every key starting with `from_prefix` to start with `to_prefix`.
  static std::string Rebase(absl::string_view key,
                            const std::string& from_prefix,
                            const std::string& to_prefix) {
    return absl::StrCat(to_prefix, key.substr(from_prefix.size()));
  }
  static void MoveSubtree(std::map<std::string, std::shared_ptr<MemFile>>& c,
                          const std::string& from_prefix,
                          const std::string& to_prefix) {
    std::map<std::string, std::shared_ptr<MemFile>> moved;
    auto it = c.lower_bound(from_prefix);
    while (it != c.end() && StartsWith(it->first, from_prefix)) {
      moved.emplace(Rebase(it->first, from_prefix, to_prefix),
                    std::move(it->second));
      it = c.erase(it);
    }
    c.merge(moved);
  }
  static void MoveSubtree(std::set<std::string>& c,
                          const std::string& from_prefix,
                          const std::string& to_prefix) {
    std::set<std::string> moved;
    auto it = c.lower_bound(from_prefix);
    while (it != c.end() && StartsWith(*it, from_prefix)) {
      moved.insert(Rebase(*it, from_prefix, to_prefix));
      it = c.erase(it);
    }
    c.merge(moved);
  }

  bool HasChildrenLocked(const std::string& p) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string prefix = ChildPrefix(p);
    auto f = files_.lower_bound(prefix);
    if (f != files_.end() && StartsWith(f->first, prefix)) return true;
    auto d = dirs_.lower_bound(prefix);
    return d != dirs_.end() && StartsWith(*d, prefix);
  }
  bool IsDirLocked(const std::string& p) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (IsRoot(p)) return true;
    return dirs_.count(p) > 0 || HasChildrenLocked(p);
  }
  absl::Status CheckParentLocked(const std::string& path,
                                 const std::string& raw_path,
                                 absl::string_view what) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string parent = Parent(path);
    if (IsRoot(parent) || IsDirLocked(parent)) return absl::OkStatus();
    if (files_.count(parent) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          what, " '", raw_path, "': parent '", parent, "' is a file"));
    }
    return absl::NotFoundError(absl::StrCat(what, " '", raw_path,
                                            "': parent directory '", parent,
                                            "' does not exist"));
  }
  absl::Status NotFoundOrDirLocked(const std::string& path,
                                   const std::string& raw_path,
                                   absl::string_view what) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (IsDirLocked(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " '", raw_path, "': is a directory"));
    }
    return absl::NotFoundError(
        absl::StrCat(what, " '", raw_path, "': No such file or directory"));
  }

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<MemFile>> files_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirs_ ABSL_GUARDED_BY(mu_);  // created explicitly
};

}  // namespace

std::unique_ptr<FileSystem> NewInMemoryFileSystem() {
  return std::make_unique<InMemoryFileSystem>();
}

}  // namespace tailor
