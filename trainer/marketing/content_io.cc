#include "trainer/marketing/content_io.h"

#include "absl/strings/str_cat.h"
#include "core/artifacts/string_table.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

enum : uint32_t { kVocMeta = 1, kDf, kIdf, kTermOffsets, kTermBytes };

}  // namespace

absl::Status WriteVocabulary(FileSystem* fs, const std::string& path,
                             const TfidfModel& model) {
  const std::vector<int64_t> meta = {static_cast<int64_t>(model.terms.size()),
                                     model.documents};
  StringTable terms;
  for (const auto& t : model.terms) terms.Add(t);
  FormatWriter w(kVocabularyFileType);
  w.AddSection<int64_t>(kVocMeta, "meta", meta);
  w.AddSection<int64_t>(kDf, "df", model.df);
  w.AddSection<double>(kIdf, "idf", model.idf);
  w.AddSection<uint64_t>(kTermOffsets, "term_offsets", terms.offsets);
  w.AddSection<uint8_t>(kTermBytes, "term_bytes", terms.byte_span());
  return w.WriteFile(fs, path);
}

absl::StatusOr<TfidfModel> ReadVocabulary(FileSystem* fs,
                                          const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader r,
      FormatReader::Open(buffer.view(), path, kVocabularyFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, r.Array<int64_t>(kVocMeta, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto df, r.Array<int64_t>(kDf, "df"));
  TAILOR_ASSIGN_OR_RETURN(auto idf, r.Array<double>(kIdf, "idf"));
  TAILOR_ASSIGN_OR_RETURN(auto off,
                          r.Array<uint64_t>(kTermOffsets, "term_offsets"));
  TAILOR_ASSIGN_OR_RETURN(auto bytes,
                          r.Array<uint8_t>(kTermBytes, "term_bytes"));
  if (meta.size() != 2 || meta[0] < 0 ||
      df.size() != static_cast<size_t>(meta[0]) || idf.size() != df.size() ||
      off.size() != df.size() + 1) {
    return absl::DataLossError(
        absl::StrCat(path, ": section sizes do not agree"));
  }
  TfidfModel model;
  model.documents = meta[1];
  TAILOR_ASSIGN_OR_RETURN(model.terms, UnpackStrings(off, bytes, path));
  model.df.assign(df.begin(), df.end());
  model.idf.assign(idf.begin(), idf.end());
  return model;
}

}  // namespace tailor
