// The POSIX FileSystem: buffered writes (O_DIRECT for bulk files), errors
// carrying strerror text and the path.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/file_system.h"

namespace tailor {
namespace {

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

// Writes whole 4 KiB-aligned blocks with O_DIRECT, around the page cache,
// from an aligned buffer; the last partial block is written after clearing
// O_DIRECT (so the file has exactly the appended bytes). A direct write the
// kernel refuses (EINVAL) or cuts short also clears O_DIRECT and the rest
// of the file is written through the page cache: same contents.
class PosixDirectWritableFile final : public WritableFile {
 public:
  static constexpr size_t kAlignment = 4096;
  static constexpr size_t kBufferBytes = 1 << 20;

  PosixDirectWritableFile(std::string path, int fd)
      : path_(std::move(path)),
        fd_(fd),
        buffer_(
            static_cast<char*>(std::aligned_alloc(kAlignment, kBufferBytes))) {}
  ~PosixDirectWritableFile() override {
    if (fd_ >= 0) close(fd_);  // Unflushed data is lost without Close().
    std::free(buffer_);
  }

  absl::Status Append(absl::string_view data) override {
    if (fd_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("append to closed file '", path_, "'"));
    }
    while (!data.empty()) {
      const size_t n = std::min(data.size(), kBufferBytes - fill_);
      std::memcpy(buffer_ + fill_, data.data(), n);
      fill_ += n;
      data.remove_prefix(n);
      if (fill_ == kBufferBytes) {
        absl::Status status = WriteAll(fill_);
        if (!status.ok()) return status;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("close of already closed file '", path_, "'"));
    }
    absl::Status status = WriteAll(fill_ & ~(kAlignment - 1));
    if (status.ok() && fill_ > 0) {
      status = ClearDirect();
      if (status.ok()) status = WriteAll(fill_);
    }
    if (close(fd_) != 0 && status.ok()) {
      status = ErrnoError(errno, "close", path_);
    }
    fd_ = -1;
    return status;
  }

 private:
  absl::Status ClearDirect() {
    if (!direct_) return absl::OkStatus();
    const int flags = fcntl(fd_, F_GETFL);
    if (flags < 0 || fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) {
      return ErrnoError(errno, "fcntl (clear O_DIRECT)", path_);
    }
    direct_ = false;
    return absl::OkStatus();
  }

  // Writes the first `n` buffered bytes and moves the rest to the front.
  absl::Status WriteAll(size_t n) {
    size_t done = 0;
    while (done < n) {
      ssize_t w = write(fd_, buffer_ + done, n - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL && direct_) {
          absl::Status status = ClearDirect();
          if (!status.ok()) return status;
          continue;
        }
        return ErrnoError(errno, "write", path_);
      }
      done += static_cast<size_t>(w);
      if (done < n && direct_) {
        absl::Status status = ClearDirect();
        if (!status.ok()) return status;
      }
    }
    std::memmove(buffer_, buffer_ + n, fill_ - n);
    fill_ -= n;
    return absl::OkStatus();
  }

  const std::string path_;
  int fd_;
  bool direct_ = true;
  char* const buffer_;  // kBufferBytes, kAlignment-aligned
  size_t fill_ = 0;
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

  // O_DIRECT where the file system allows it (else as NewWritableFile).
  absl::StatusOr<std::unique_ptr<WritableFile>> NewBulkWritableFile(
      const std::string& path) override {
    int fd;
    do {
      fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno == EINVAL) return NewWritableFile(path);
    if (fd < 0) return ErrnoError(errno, "open for writing", path);
    return std::unique_ptr<WritableFile>(new PosixDirectWritableFile(path, fd));
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

}  // namespace

FileSystem* PosixFileSystem() {
  static FileSystem* const fs = new PosixFileSystemImpl();
  return fs;
}

}  // namespace tailor
