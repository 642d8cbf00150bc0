#include "core/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

namespace tailor {
namespace {

// ---------------------------------------------------------------------------
// POSIX implementation.

// "<what> '<path>': <strerror(errno)>" with the code mapped from errno.
absl::Status ErrnoError(int error_number, absl::string_view what,
                        const std::string& path) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(what, " '", path, "'"));
}

class PosixWritableFile final : public WritableFile {
 public:
  static constexpr size_t kBufferBytes = 256 << 10;

  PosixWritableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kBufferBytes);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) close(fd_);  // Unflushed data is lost without Close().
  }

  absl::Status Append(absl::string_view data) override {
    if (fd_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("append to closed file '", path_, "'"));
    }
    if (buffer_.size() + data.size() <= kBufferBytes) {
      buffer_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    absl::Status status = Flush();
    if (!status.ok()) return status;
    if (data.size() <= kBufferBytes / 2) {
      buffer_.append(data.data(), data.size());
      return absl::OkStatus();
    }
    return WriteAll(data);
  }

  absl::Status Close() override {
    if (fd_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("close of already closed file '", path_, "'"));
    }
    absl::Status status = Flush();
    if (close(fd_) != 0 && status.ok()) {
      status = ErrnoError(errno, "close", path_);
    }
    fd_ = -1;
    return status;
  }

 private:
  absl::Status Flush() {
    absl::Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  absl::Status WriteAll(absl::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  const std::string path_;
  int fd_;
  std::string buffer_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { close(fd_); }

  absl::StatusOr<size_t> Read(size_t n, char* buffer) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = read(fd_, buffer + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "read", path_);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixFileSystemImpl final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    int fd;
    do {
      fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError(errno, "open for writing", path);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  absl::StatusOr<std::unique_ptr<ReadableFile>> NewReadableFile(
      const std::string& path) override {
    int fd;
    do {
      fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError(errno, "open for reading", path);
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("open for reading '", path, "': is a directory"));
    }
    return std::unique_ptr<ReadableFile>(new PosixReadableFile(path, fd));
  }

  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return ErrnoError(errno, "stat", path);
    if (S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("size of '", path, "': is a directory"));
    }
    return static_cast<uint64_t>(st.st_size);
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
  }

  absl::Status CreateDirs(const std::string& path) override {
    if (path.empty())
      return absl::InvalidArgumentError("CreateDirs: empty path");
    struct stat st;
    if (stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return absl::OkStatus();
      return absl::FailedPreconditionError(
          absl::StrCat("create directory '", path, "': exists as a file"));
    }
    // Create each prefix in turn; EEXIST from a racing creator is fine.
    for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
      const std::string prefix =
          pos == std::string::npos ? path : path.substr(0, pos);
      if (!prefix.empty() && prefix.back() != '/' &&
          mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError(errno, "create directory", prefix);
      }
      if (pos == std::string::npos) break;
    }
    if (stat(path.c_str(), &st) != 0) {
      return ErrnoError(errno, "create directory", path);
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("create directory '", path, "': exists as a file"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) override {
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return ErrnoError(errno, "list directory", path);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = readdir(dir)) {
      absl::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
      errno = 0;
    }
    const int read_errno = errno;
    closedir(dir);
    if (read_errno != 0) return ErrnoError(read_errno, "list directory", path);
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoError(errno, absl::StrCat("rename '", from, "' to"), to);
    }
    return absl::OkStatus();
  }

  absl::Status DeleteRecursively(const std::string& path) override {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) return ErrnoError(errno, "delete", path);
    if (S_ISDIR(st.st_mode)) {
      absl::StatusOr<std::vector<std::string>> names = ListDir(path);
      if (!names.ok()) return names.status();
      for (const std::string& name : *names) {
        absl::Status status = DeleteRecursively(JoinPath(path, name));
        if (!status.ok()) return status;
      }
      if (rmdir(path.c_str()) != 0) return ErrnoError(errno, "delete", path);
      return absl::OkStatus();
    }
    if (unlink(path.c_str()) != 0) return ErrnoError(errno, "delete", path);
    return absl::OkStatus();
  }
};

// ---------------------------------------------------------------------------
// In-memory implementation.

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
        names.emplace(rest.substr(0, rest.find('/')));
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

FileSystem* PosixFileSystem() {
  static FileSystem* const fs = new PosixFileSystemImpl();
  return fs;
}

std::unique_ptr<FileSystem> NewInMemoryFileSystem() {
  return std::make_unique<InMemoryFileSystem>();
}

absl::StatusOr<std::string> ReadFileToString(FileSystem* fs,
                                             const std::string& path) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> file =
      fs->NewReadableFile(path);
  if (!file.ok()) return file.status();
  std::string out;
  absl::StatusOr<uint64_t> size = fs->FileSize(path);
  if (size.ok()) out.reserve(*size);
  constexpr size_t kChunk = 1 << 20;
  std::string chunk(kChunk, '\0');
  while (true) {
    absl::StatusOr<size_t> n = (*file)->Read(kChunk, chunk.data());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    out.append(chunk.data(), *n);
  }
  return out;
}

absl::Status WriteStringToFile(FileSystem* fs, const std::string& path,
                               absl::string_view contents) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file =
      fs->NewWritableFile(path);
  if (!file.ok()) return file.status();
  absl::Status status = (*file)->Append(contents);
  absl::Status close_status = (*file)->Close();
  return status.ok() ? close_status : status;
}

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  while (a.size() > 1 && a.back() == '/') a.remove_suffix(1);
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (a == "/") return absl::StrCat("/", b);
  return absl::StrCat(a, "/", b);
}

}  // namespace tailor
