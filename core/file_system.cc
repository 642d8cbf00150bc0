#include "core/file_system.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace tailor {

absl::StatusOr<std::string> ReadFileToString(FileSystem* fs,
                                             const std::string& path) {
  absl::StatusOr<std::unique_ptr<ReadableFile>> file =
      fs->NewReadableFile(path);
  if (!file.ok()) return file.status();
  // Read straight into the result, sized from FileSize when available (one
  // spare byte so end of file shows up without a resize).
  absl::StatusOr<uint64_t> size = fs->FileSize(path);
  std::string out(size.ok() ? *size + 1 : 4096, '\0');
  size_t length = 0;
  while (true) {
    if (length == out.size()) out.resize(2 * out.size());
    absl::StatusOr<size_t> n =
        (*file)->Read(out.size() - length, out.data() + length);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    length += *n;
  }
  out.resize(length);
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
