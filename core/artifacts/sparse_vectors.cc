#include "core/artifacts/sparse_vectors.h"

#include "absl/strings/str_cat.h"
#include "core/format/aligned_buffer.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

enum : uint32_t { kMeta = 1, kKeys, kIndptr, kIndices, kValues };

}  // namespace

absl::Status WriteSparseVectors(FileSystem* fs, const std::string& path,
                                const std::vector<uint64_t>& keys,
                                const CsrMatrix& v) {
  if (static_cast<int64_t>(keys.size()) != v.rows || !ValidateCsr(v).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("writing ", path, ": ", keys.size(), " keys for ", v.rows,
                     " rows, or an invalid matrix"));
  }
  const std::vector<int64_t> meta = {v.rows, v.cols};
  FormatWriter w(kSparseVectorsFileType);
  w.AddSection<int64_t>(kMeta, "meta", meta);
  w.AddSection<uint64_t>(kKeys, "keys", keys);
  w.AddSection<int64_t>(kIndptr, "indptr", v.indptr);
  w.AddSection<uint32_t>(kIndices, "terms", v.indices);
  w.AddSection<float>(kValues, "values", v.data);
  return w.WriteFile(fs, path);
}

absl::StatusOr<CsrMatrix> ReadSparseVectors(FileSystem* fs,
                                            const std::string& path,
                                            std::vector<uint64_t>* keys) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader r,
      FormatReader::Open(buffer.view(), path, kSparseVectorsFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, r.Array<int64_t>(kMeta, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto k, r.Array<uint64_t>(kKeys, "keys"));
  TAILOR_ASSIGN_OR_RETURN(auto indptr, r.Array<int64_t>(kIndptr, "indptr"));
  TAILOR_ASSIGN_OR_RETURN(auto indices, r.Array<uint32_t>(kIndices, "terms"));
  TAILOR_ASSIGN_OR_RETURN(auto values, r.Array<float>(kValues, "values"));
  if (meta.size() != 2 || meta[0] < 0 || meta[1] < 0 ||
      k.size() != static_cast<size_t>(meta[0])) {
    return absl::DataLossError(
        absl::StrCat(path, ": section sizes do not agree"));
  }
  CsrMatrix m;
  m.rows = meta[0];
  m.cols = meta[1];
  m.indptr.assign(indptr.begin(), indptr.end());
  m.indices.assign(indices.begin(), indices.end());
  m.data.assign(values.begin(), values.end());
  if (absl::Status s = ValidateCsr(m); !s.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", s.message()));
  }
  if (keys != nullptr) keys->assign(k.begin(), k.end());
  return m;
}

}  // namespace tailor
