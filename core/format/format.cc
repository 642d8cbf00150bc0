#include "core/format/format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/format/checksum.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

// File header field offsets (format_conventions.md).
constexpr size_t kMagicOffset = 0;
constexpr size_t kVersionOffset = 8;
constexpr size_t kKindOffset = 12;
constexpr size_t kPayloadBytesOffset = 16;
constexpr size_t kSectionCountOffset = 24;
constexpr size_t kFileFlagsOffset = 28;
constexpr size_t kFileReservedOffset = 32;
// Both headers end with the CRC-32C of their first 60 bytes.
constexpr size_t kHeaderCrcOffset = 60;

// Section header field offsets.
constexpr size_t kNameOffset = 0;
constexpr size_t kIdOffset = 16;
constexpr size_t kTypeOffset = 20;
constexpr size_t kElementSizeOffset = 24;
constexpr size_t kSectionFlagsOffset = 28;
constexpr size_t kCountOffset = 32;
constexpr size_t kDataCrcOffset = 40;
constexpr size_t kSectionReservedOffset = 44;

constexpr char kZeros[kFormatAlignment] = {};

uint64_t PaddedSize(uint64_t n) {
  return (n + kFormatAlignment - 1) / kFormatAlignment * kFormatAlignment;
}

template <typename T>
void Put(char* header, size_t offset, T value) {
  std::memcpy(header + offset, &value, sizeof(T));
}

template <typename T>
T Get(const char* header, size_t offset) {
  T value;
  std::memcpy(&value, header + offset, sizeof(T));
  return value;
}

bool AllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxSectionNameBytes) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

uint32_t HeaderCrc(const char* header) {
  return Crc32c(absl::string_view(header, kHeaderCrcOffset));
}

std::string Hex(uint32_t v) { return absl::StrFormat("0x%08x", v); }

}  // namespace

uint32_t ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kUint8:
      return 1;
    case ElementType::kInt32:
    case ElementType::kUint32:
    case ElementType::kFloat32:
      return 4;
    case ElementType::kInt64:
    case ElementType::kUint64:
    case ElementType::kFloat64:
      return 8;
  }
  return 0;
}

absl::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kUint8:
      return "uint8";
    case ElementType::kInt32:
      return "int32";
    case ElementType::kUint32:
      return "uint32";
    case ElementType::kInt64:
      return "int64";
    case ElementType::kUint64:
      return "uint64";
    case ElementType::kFloat32:
      return "float32";
    case ElementType::kFloat64:
      return "float64";
  }
  return "unknown";
}

FormatWriter::FormatWriter(const FileType& type) : type_(type) {
  if (type.magic.size() != 8) {
    std::fprintf(stderr, "FormatWriter: magic must be 8 bytes\n");
    std::abort();
  }
}

void FormatWriter::AddRawSection(uint32_t id, absl::string_view name,
                                 ElementType type, absl::string_view bytes) {
  const uint32_t size = ElementSize(type);
  bool ok = ValidName(name) && size != 0 && bytes.size() % size == 0;
  for (const Section& s : sections_) ok = ok && s.id != id;
  if (!ok) {
    // Section ids, names and types are compile-time choices of the caller.
    std::fprintf(stderr,
                 "FormatWriter: bad section id %u name '%.*s' type %u "
                 "(%zu bytes)\n",
                 id, static_cast<int>(name.size()), name.data(),
                 static_cast<uint32_t>(type), bytes.size());
    std::abort();
  }
  const uint64_t padding = PaddedSize(bytes.size()) - bytes.size();
  const uint32_t crc =
      Crc32c(absl::string_view(kZeros, padding), Crc32c(bytes));
  sections_.push_back({id, std::string(name), type, bytes, crc});
}

uint64_t FormatWriter::FileBytes() const {
  uint64_t total = kFileHeaderBytes;
  for (const Section& s : sections_) {
    total += kSectionHeaderBytes + PaddedSize(s.bytes.size());
  }
  return total;
}

absl::Status FormatWriter::WriteTo(WritableFile* file,
                                   const std::string& path) const {
  char header[kFileHeaderBytes] = {};
  std::memcpy(header + kMagicOffset, type_.magic.data(), 8);
  Put<uint32_t>(header, kVersionOffset, kFormatVersion);
  Put<uint32_t>(header, kKindOffset, type_.kind);
  Put<uint64_t>(header, kPayloadBytesOffset, FileBytes() - kFileHeaderBytes);
  Put<uint32_t>(header, kSectionCountOffset,
                static_cast<uint32_t>(sections_.size()));
  Put<uint32_t>(header, kHeaderCrcOffset, HeaderCrc(header));
  auto append = [&](absl::string_view bytes) -> absl::Status {
    absl::Status status = file->Append(bytes);
    if (!status.ok() &&
        status.message().find(path) == absl::string_view::npos) {
      return absl::Status(status.code(),
                          absl::StrCat(path, ": ", status.message()));
    }
    return status;
  };
  TAILOR_RETURN_IF_ERROR(append(absl::string_view(header, sizeof(header))));
  for (const Section& s : sections_) {
    char sh[kSectionHeaderBytes] = {};
    std::memcpy(sh + kNameOffset, s.name.data(), s.name.size());
    Put<uint32_t>(sh, kIdOffset, s.id);
    Put<uint32_t>(sh, kTypeOffset, static_cast<uint32_t>(s.type));
    Put<uint32_t>(sh, kElementSizeOffset, ElementSize(s.type));
    Put<uint64_t>(sh, kCountOffset, s.bytes.size() / ElementSize(s.type));
    Put<uint32_t>(sh, kDataCrcOffset, s.crc32c);
    Put<uint32_t>(sh, kHeaderCrcOffset, HeaderCrc(sh));
    TAILOR_RETURN_IF_ERROR(append(absl::string_view(sh, sizeof(sh))));
    if (!s.bytes.empty()) TAILOR_RETURN_IF_ERROR(append(s.bytes));
    const uint64_t padding = PaddedSize(s.bytes.size()) - s.bytes.size();
    if (padding != 0) {
      TAILOR_RETURN_IF_ERROR(append(absl::string_view(kZeros, padding)));
    }
  }
  return absl::OkStatus();
}

absl::Status FormatWriter::WriteFile(FileSystem* fs,
                                     const std::string& path) const {
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          fs->NewWritableFile(path));
  TAILOR_RETURN_IF_ERROR(WriteTo(file.get(), path));
  return file->Close();
}

absl::StatusOr<FormatReader> FormatReader::Open(absl::string_view file,
                                                const std::string& path,
                                                const FileType& type) {
  const std::string expected_magic(type.magic);
  if (file.empty()) {
    return absl::DataLossError(absl::StrCat(
        path, ": empty file, expected a Tailor ", type.description));
  }
  if (file.size() < kFileHeaderBytes) {
    return absl::DataLossError(absl::StrCat(
        path, ": truncated: ", file.size(), " bytes, shorter than the ",
        kFileHeaderBytes, "-byte file header"));
  }
  if (reinterpret_cast<uintptr_t>(file.data()) % kFormatAlignment != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": internal error: file buffer is not ",
                     kFormatAlignment, "-byte aligned (use ReadFileAligned)"));
  }
  const char* h = file.data();
  const absl::string_view magic(h + kMagicOffset, 8);
  if (magic != type.magic) {
    for (const FileType* other :
         {&kSparseBlockFileType, &kFactorTableFileType}) {
      if (magic == other->magic) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": is a Tailor ", other->description, " file, expected a ",
            type.description, " (magic \"", expected_magic, "\")"));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a Tailor ", type.description, " file (magic \"",
        absl::CHexEscape(magic), "\", expected \"", expected_magic, "\")"));
  }
  const uint32_t stored_crc = Get<uint32_t>(h, kHeaderCrcOffset);
  const uint32_t computed_crc = HeaderCrc(h);
  if (stored_crc != computed_crc) {
    return absl::DataLossError(
        absl::StrCat(path, ": file header checksum mismatch (stored ",
                     Hex(stored_crc), ", computed ", Hex(computed_crc), ")"));
  }
  const uint32_t version = Get<uint32_t>(h, kVersionOffset);
  if (version != kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": unsupported format version ", version,
                     " (this build reads version ", kFormatVersion, ")"));
  }
  const uint32_t kind = Get<uint32_t>(h, kKindOffset);
  if (kind != type.kind) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": file kind ", kind, " does not match magic \"",
                     expected_magic, "\" (expected kind ", type.kind, ")"));
  }
  if (Get<uint32_t>(h, kFileFlagsOffset) != 0 ||
      !AllZero(h + kFileReservedOffset,
               kHeaderCrcOffset - kFileReservedOffset)) {
    return absl::DataLossError(absl::StrCat(
        path, ": file header flags or reserved bytes are not zero"));
  }
  const uint64_t payload_bytes = Get<uint64_t>(h, kPayloadBytesOffset);
  const uint64_t actual_payload = file.size() - kFileHeaderBytes;
  if (payload_bytes > actual_payload) {
    return absl::DataLossError(
        absl::StrCat(path, ": truncated: header declares ", payload_bytes,
                     " payload bytes, file has ", actual_payload));
  }
  if (payload_bytes < actual_payload) {
    return absl::DataLossError(absl::StrCat(
        path, ": ", actual_payload - payload_bytes,
        " unexpected bytes after the declared end of the file at offset ",
        kFileHeaderBytes + payload_bytes));
  }
  const uint32_t section_count = Get<uint32_t>(h, kSectionCountOffset);
  if (section_count > payload_bytes / kSectionHeaderBytes) {
    return absl::DataLossError(
        absl::StrCat(path, ": header declares ", section_count,
                     " sections, more than fit in ", payload_bytes, " bytes"));
  }

  FormatReader reader;
  reader.path_ = path;
  reader.version_ = version;
  // Bounded reserve: a hostile count only costs what its headers prove.
  reader.sections_.reserve(std::min<uint32_t>(section_count, 64));
  absl::flat_hash_set<uint32_t> ids;
  uint64_t offset = kFileHeaderBytes;
  for (uint32_t i = 0; i < section_count; ++i) {
    if (file.size() - offset < kSectionHeaderBytes) {
      return absl::DataLossError(absl::StrCat(
          path, ": section #", i, " header at offset ", offset,
          " extends past the end of the file (", file.size(), " bytes)"));
    }
    const char* sh = file.data() + offset;
    const uint32_t stored = Get<uint32_t>(sh, kHeaderCrcOffset);
    const uint32_t computed = HeaderCrc(sh);
    if (stored != computed) {
      return absl::DataLossError(
          absl::StrCat(path, ": section #", i, " header (offset ", offset,
                       ") checksum mismatch (stored ", Hex(stored),
                       ", computed ", Hex(computed), ")"));
    }
    const absl::string_view raw_name(sh + kNameOffset, kMaxSectionNameBytes);
    const absl::string_view name = raw_name.substr(0, raw_name.find('\0'));
    if (!ValidName(name) || !AllZero(raw_name.data() + name.size(),
                                     raw_name.size() - name.size())) {
      return absl::DataLossError(
          absl::StrCat(path, ": section #", i, " has an invalid name \"",
                       absl::CHexEscape(raw_name), "\""));
    }
    SectionView view;
    view.id = Get<uint32_t>(sh, kIdOffset);
    view.name = std::string(name);
    view.type = static_cast<ElementType>(Get<uint32_t>(sh, kTypeOffset));
    const std::string label = absl::StrCat(path, ": section '", name, "'");
    const uint32_t element_size = ElementSize(view.type);
    if (element_size == 0) {
      return absl::DataLossError(
          absl::StrCat(label, " has unknown element type ",
                       static_cast<uint32_t>(view.type)));
    }
    if (Get<uint32_t>(sh, kElementSizeOffset) != element_size) {
      return absl::DataLossError(absl::StrCat(
          label, " element size ", Get<uint32_t>(sh, kElementSizeOffset),
          " does not match its type ", ElementTypeName(view.type), " (",
          element_size, ")"));
    }
    if (Get<uint32_t>(sh, kSectionFlagsOffset) != 0 ||
        !AllZero(sh + kSectionReservedOffset,
                 kHeaderCrcOffset - kSectionReservedOffset)) {
      return absl::DataLossError(
          absl::StrCat(label, " header flags or reserved bytes are not zero"));
    }
    if (!ids.insert(view.id).second) {
      return absl::DataLossError(
          absl::StrCat(label, " repeats section id ", view.id));
    }
    offset += kSectionHeaderBytes;
    view.element_count = Get<uint64_t>(sh, kCountOffset);
    const uint64_t remaining = file.size() - offset;
    if (view.element_count > remaining / element_size ||
        PaddedSize(view.element_count * element_size) > remaining) {
      return absl::DataLossError(
          absl::StrCat(label, " declares ", view.element_count, " elements of ",
                       element_size, " bytes, but only ", remaining,
                       " bytes remain in the file"));
    }
    const uint64_t data_bytes = view.element_count * element_size;
    const uint64_t padded = PaddedSize(data_bytes);
    view.bytes = absl::string_view(file.data() + offset, data_bytes);
    const uint32_t stored_data_crc = Get<uint32_t>(sh, kDataCrcOffset);
    const uint32_t computed_data_crc =
        Crc32c(absl::string_view(file.data() + offset, padded));
    if (stored_data_crc != computed_data_crc) {
      return absl::DataLossError(absl::StrCat(
          label, " checksum mismatch (stored ", Hex(stored_data_crc),
          ", computed ", Hex(computed_data_crc), ")"));
    }
    if (!AllZero(file.data() + offset + data_bytes, padded - data_bytes)) {
      return absl::DataLossError(absl::StrCat(label, " padding is not zero"));
    }
    offset += padded;
    reader.sections_.push_back(std::move(view));
  }
  if (offset != file.size()) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", file.size() - offset,
                     " bytes after the last section (offset ", offset, ")"));
  }
  return reader;
}

absl::StatusOr<const SectionView*> FormatReader::Find(uint32_t id,
                                                      absl::string_view name,
                                                      ElementType type) const {
  for (const SectionView& s : sections_) {
    if (s.id != id) continue;
    if (s.type != type) {
      return absl::DataLossError(absl::StrCat(
          path_, ": section '", name, "' (id ", id, ") has element type ",
          ElementTypeName(s.type), ", expected ", ElementTypeName(type)));
    }
    return &s;
  }
  return absl::DataLossError(
      absl::StrCat(path_, ": missing section '", name, "' (id ", id, ")"));
}

absl::StatusOr<AlignedBuffer> ReadFileAligned(FileSystem* fs,
                                              const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(const uint64_t size, fs->FileSize(path));
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<ReadableFile> file,
                          fs->NewReadableFile(path));
  AlignedBuffer buffer(size);
  uint64_t done = 0;
  while (done < size) {
    TAILOR_ASSIGN_OR_RETURN(const size_t n,
                            file->Read(size - done, buffer.data() + done));
    if (n == 0) {
      return absl::DataLossError(
          absl::StrCat(path, ": file shrank while being read (", done, " of ",
                       size, " bytes)"));
    }
    done += n;
  }
  char extra;
  TAILOR_ASSIGN_OR_RETURN(const size_t n, file->Read(1, &extra));
  if (n != 0) {
    return absl::DataLossError(absl::StrCat(
        path, ": file grew while being read (beyond ", size, " bytes)"));
  }
  return buffer;
}

}  // namespace tailor
