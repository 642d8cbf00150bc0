#ifndef TAILOR_CORE_FORMAT_FORMAT_H_
#define TAILOR_CORE_FORMAT_FORMAT_H_

// The container shared by every Tailor binary file (docs/formats/
// format_conventions.md has the bytes): a 64-byte file header (magic, format
// version, kind, payload size, section count, CRC-32C), then sections, each a
// 64-byte section header (name, id, element type and size, count, CRC-32C of
// the padded data) and its data zero-padded to a multiple of 64 bytes, so
// every array starts 64-byte aligned and can be memory-mapped. Every byte of a
// file is covered by a checksum. Integers are little-endian.

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/file_system.h"
#include "core/format/aligned_buffer.h"

namespace tailor {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "Tailor files are little-endian; this host is not");

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFormatAlignment = 64;
inline constexpr size_t kFileHeaderBytes = 64;
inline constexpr size_t kSectionHeaderBytes = 64;
inline constexpr size_t kMaxSectionNameBytes = 16;

// What kind of file this is: an 8-byte magic, the kind number stored in the
// header (registry in format_conventions.md) and a name for messages.
struct FileType {
  absl::string_view magic;  // exactly 8 bytes
  uint32_t kind;
  absl::string_view description;
};
inline constexpr FileType kSparseBlockFileType = {"TLRBLK01", 1,
                                                  "sparse block"};
inline constexpr FileType kFactorTableFileType = {"TLRFAC01", 2,
                                                  "factor table"};

// Element type of a section; the size in bytes is implied.
enum class ElementType : uint32_t {
  kUint8 = 1,
  kInt32 = 2,
  kUint32 = 3,
  kInt64 = 4,
  kUint64 = 5,
  kFloat32 = 6,
  kFloat64 = 7,
};
// Size in bytes of one element; 0 for an unknown type.
uint32_t ElementSize(ElementType type);
// "uint32", "float32", ...; "unknown" for an unknown type.
absl::string_view ElementTypeName(ElementType type);

template <typename T>
inline constexpr bool kNoElementType = false;

// The ElementType of C++ type T (a compile error for other types).
template <typename T>
constexpr ElementType ElementTypeOf() {
  if constexpr (std::is_same_v<T, uint8_t>) {
    return ElementType::kUint8;
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return ElementType::kInt32;
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    return ElementType::kUint32;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return ElementType::kInt64;
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    return ElementType::kUint64;
  } else if constexpr (std::is_same_v<T, float>) {
    return ElementType::kFloat32;
  } else if constexpr (std::is_same_v<T, double>) {
    return ElementType::kFloat64;
  } else {
    static_assert(kNoElementType<T>, "T has no ElementType");
  }
}

// Collects sections, then writes one file. Sections reference the caller's
// memory (not copied), which must stay valid and unchanged until WriteTo
// returns. Not thread-safe.
class FormatWriter {
 public:
  explicit FormatWriter(const FileType& type);

  // Appends a section. `name` is 1-16 characters of [a-z0-9_]; ids are unique
  // within a file; a violation is a programmer error and aborts with a
  // message. Computes the section checksum (one pass over `elements`).
  template <typename T>
  void AddSection(uint32_t id, absl::string_view name,
                  absl::Span<const T> elements) {
    AddRawSection(
        id, name, ElementTypeOf<T>(),
        absl::string_view(reinterpret_cast<const char*>(elements.data()),
                          elements.size() * sizeof(T)));
  }
  void AddRawSection(uint32_t id, absl::string_view name, ElementType type,
                     absl::string_view bytes);

  // Size of the finished file in bytes.
  uint64_t FileBytes() const;
  // Appends the whole file to `file` (does not close it); `path` is for
  // error messages.
  absl::Status WriteTo(WritableFile* file, const std::string& path) const;
  // Creates (or truncates) `path`, writes the file and closes it.
  absl::Status WriteFile(FileSystem* fs, const std::string& path) const;

 private:
  struct Section {
    uint32_t id;
    std::string name;
    ElementType type;
    absl::string_view bytes;
    uint32_t crc32c;  // of bytes followed by the zero padding
  };
  FileType type_;
  std::vector<Section> sections_;
};

// One validated section of a file opened by FormatReader.
struct SectionView {
  uint32_t id = 0;
  std::string name;
  ElementType type = ElementType::kUint8;
  uint64_t element_count = 0;
  absl::string_view bytes;  // element_count * ElementSize(type), unpadded
};

// A validated view of a whole file held in a 64-byte aligned buffer (e.g.
// from ReadFileAligned or a memory map); does not own it. Immutable after
// Open, so thread-safe.
class FormatReader {
 public:
  // Checks the magic, header checksum, version, kind, sizes and every section
  // checksum before returning; every error names `path` and what is wrong
  // (DATA_LOSS for truncation and corruption, INVALID_ARGUMENT for a file of
  // another kind or a buffer whose start is not 64-byte aligned,
  // FAILED_PRECONDITION for an unsupported version). Never allocates more
  // than the buffer size implies.
  static absl::StatusOr<FormatReader> Open(absl::string_view file,
                                           const std::string& path,
                                           const FileType& type);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  const std::vector<SectionView>& sections() const { return sections_; }

  // The section with `id`; DATA_LOSS naming `name` when it is missing or its
  // element type is not T.
  template <typename T>
  absl::StatusOr<absl::Span<const T>> Array(uint32_t id,
                                            absl::string_view name) const {
    auto section = Find(id, name, ElementTypeOf<T>());
    if (!section.ok()) return section.status();
    return absl::Span<const T>(
        reinterpret_cast<const T*>((*section)->bytes.data()),
        (*section)->element_count);
  }
  absl::StatusOr<const SectionView*> Find(uint32_t id, absl::string_view name,
                                          ElementType type) const;

 private:
  FormatReader() = default;
  std::string path_;
  uint32_t version_ = 0;
  std::vector<SectionView> sections_;
};

// Reads all of `path` into a 64-byte aligned buffer.
absl::StatusOr<AlignedBuffer> ReadFileAligned(FileSystem* fs,
                                              const std::string& path);

}  // namespace tailor

#endif  // TAILOR_CORE_FORMAT_FORMAT_H_
