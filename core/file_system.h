#ifndef TAILOR_CORE_FILE_SYSTEM_H_
#define TAILOR_CORE_FILE_SYSTEM_H_

// The file-system seam. Everything that touches files takes a FileSystem*
// so tests can use the in-memory implementation or inject faults.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tailor {

// A file being written sequentially. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends `data`; an error leaves the file in an unspecified state.
  virtual absl::Status Append(absl::string_view data) = 0;
  // Flushes and closes; further calls fail. Errors name the path.
  virtual absl::Status Close() = 0;
};

// A file being read sequentially. Not thread-safe.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to `n` bytes into `buffer`; returns the count, 0 at end of file.
  virtual absl::StatusOr<size_t> Read(size_t n, char* buffer) = 0;
};

// Access to a tree of files. Implementations are thread-safe. Every error
// message names the path it concerns.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates or truncates `path`.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  // Like NewWritableFile, for a large file written once and not read back
  // soon (dataset blocks): the implementation may write it around the page
  // cache. The file's contents are the same either way. The default is
  // NewWritableFile.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewBulkWritableFile(
      const std::string& path) {
    return NewWritableFile(path);
  }
  // NOT_FOUND when `path` does not exist.
  virtual absl::StatusOr<std::unique_ptr<ReadableFile>> NewReadableFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Creates `path` and its missing parents; OK when it already exists.
  virtual absl::Status CreateDirs(const std::string& path) = 0;
  // Names (not paths) of the entries of directory `path`, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& path) = 0;
  // Atomically replaces `to` (a file or an empty directory) with `from`;
  // moving a directory moves everything below it. NOT_FOUND when `from` is
  // missing; an error when `to` is a non-empty directory or of another kind.
  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  // Removes a file, or a directory and everything below it. NOT_FOUND when
  // `path` does not exist.
  virtual absl::Status DeleteRecursively(const std::string& path) = 0;
};

// The process's real POSIX file system. Never null; not owned by the caller.
FileSystem* PosixFileSystem();

// A fresh, empty, thread-safe file system held in memory. It behaves like
// the POSIX one: creating a file needs its parent directory to exist
// (CreateDirs); a directory exists once created or while anything lies below
// it; "a//b/" means "a/b". Open files keep working after a Rename or delete
// of their path, and may outlive the file system.
std::unique_ptr<FileSystem> NewInMemoryFileSystem();

// Reads the whole of `path`.
absl::StatusOr<std::string> ReadFileToString(FileSystem* fs,
                                             const std::string& path);
// Writes `contents` to `path` (created or truncated).
absl::Status WriteStringToFile(FileSystem* fs, const std::string& path,
                               absl::string_view contents);
// Joins path components with single '/'.
std::string JoinPath(absl::string_view a, absl::string_view b);

}  // namespace tailor

#endif  // TAILOR_CORE_FILE_SYSTEM_H_
