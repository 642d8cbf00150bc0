#include "core/artifacts/segment_io.h"

#include "absl/strings/str_cat.h"
#include "core/artifacts/string_table.h"
#include "core/status_macros.h"

namespace tailor {
namespace {

enum : uint32_t { kMeta = 1, kKeys, kKMeans, kRfm, kNameOffsets, kNameBytes };
enum : uint32_t {
  kAffMeta = 1,
  kItemKeys,
  kDefault,
  kIndptr,
  kIndices,
  kLift,
  kPrior
};

}  // namespace

absl::Status WriteSegmentAssignments(FileSystem* fs, const std::string& path,
                                     const SegmentAssignments& a) {
  const std::vector<int64_t> meta = {
      static_cast<int64_t>(a.user_keys.size()),
      static_cast<int64_t>(a.kmeans_names.size())};
  StringTable names;
  for (const auto& n : a.kmeans_names) names.Add(n);
  FormatWriter w(kSegmentAssignmentsFileType);
  w.AddSection<int64_t>(kMeta, "meta", meta);
  w.AddSection<uint64_t>(kKeys, "user_keys", a.user_keys);
  w.AddSection<int32_t>(kKMeans, "kmeans", a.kmeans);
  w.AddSection<int32_t>(kRfm, "rfm", a.rfm);
  w.AddSection<uint64_t>(kNameOffsets, "name_offsets", names.offsets);
  w.AddSection<uint8_t>(kNameBytes, "name_bytes", names.byte_span());
  return w.WriteFile(fs, path);
}

absl::StatusOr<SegmentAssignments> ReadSegmentAssignments(
    FileSystem* fs, const std::string& path) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader r,
      FormatReader::Open(buffer.view(), path, kSegmentAssignmentsFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, r.Array<int64_t>(kMeta, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto keys, r.Array<uint64_t>(kKeys, "user_keys"));
  TAILOR_ASSIGN_OR_RETURN(auto km, r.Array<int32_t>(kKMeans, "kmeans"));
  TAILOR_ASSIGN_OR_RETURN(auto rfm, r.Array<int32_t>(kRfm, "rfm"));
  TAILOR_ASSIGN_OR_RETURN(auto off,
                          r.Array<uint64_t>(kNameOffsets, "name_offsets"));
  TAILOR_ASSIGN_OR_RETURN(auto bytes,
                          r.Array<uint8_t>(kNameBytes, "name_bytes"));
  if (meta.size() != 2 || meta[0] < 0 ||
      keys.size() != static_cast<size_t>(meta[0]) || km.size() != keys.size() ||
      rfm.size() != keys.size() ||
      off.size() != static_cast<size_t>(meta[1]) + 1) {
    return absl::DataLossError(
        absl::StrCat(path, ": section sizes do not agree"));
  }
  SegmentAssignments a;
  TAILOR_ASSIGN_OR_RETURN(a.kmeans_names, UnpackStrings(off, bytes, path));
  for (size_t u = 0; u < keys.size(); ++u) {
    if (km[u] < -1 || km[u] >= meta[1] || rfm[u] < 0 ||
        rfm[u] >= kRfmSegmentCodeCount || (u > 0 && keys[u] <= keys[u - 1])) {
      return absl::DataLossError(absl::StrCat(
          path, ": user ", u, " has an unknown segment or an unsorted key"));
    }
  }
  a.user_keys.assign(keys.begin(), keys.end());
  a.kmeans.assign(km.begin(), km.end());
  a.rfm.assign(rfm.begin(), rfm.end());
  return a;
}

absl::Status WriteItemAffinity(FileSystem* fs, const std::string& path,
                               const ItemAffinity& a,
                               const std::vector<uint64_t>& item_keys) {
  if (static_cast<int64_t>(item_keys.size()) != a.items) {
    return absl::InvalidArgumentError(
        absl::StrCat("writing ", path, ": ", item_keys.size(),
                     " item keys for ", a.items, " items"));
  }
  const std::vector<int64_t> meta = {a.segments, a.items};
  const std::vector<double> prior = {a.prior_events};
  FormatWriter w(kItemAffinityFileType);
  w.AddSection<int64_t>(kAffMeta, "meta", meta);
  w.AddSection<uint64_t>(kItemKeys, "item_keys", item_keys);
  w.AddSection<float>(kDefault, "default_lift", a.default_lift);
  w.AddSection<int64_t>(kIndptr, "indptr", a.lift.indptr);
  w.AddSection<uint32_t>(kIndices, "items", a.lift.indices);
  w.AddSection<float>(kLift, "lift", a.lift.data);
  w.AddSection<double>(kPrior, "prior_events", prior);
  return w.WriteFile(fs, path);
}

absl::StatusOr<ItemAffinity> ReadItemAffinity(
    FileSystem* fs, const std::string& path, std::vector<uint64_t>* item_keys) {
  TAILOR_ASSIGN_OR_RETURN(AlignedBuffer buffer, ReadFileAligned(fs, path));
  TAILOR_ASSIGN_OR_RETURN(
      FormatReader r,
      FormatReader::Open(buffer.view(), path, kItemAffinityFileType));
  TAILOR_ASSIGN_OR_RETURN(auto meta, r.Array<int64_t>(kAffMeta, "meta"));
  TAILOR_ASSIGN_OR_RETURN(auto keys, r.Array<uint64_t>(kItemKeys, "item_keys"));
  TAILOR_ASSIGN_OR_RETURN(auto def, r.Array<float>(kDefault, "default_lift"));
  TAILOR_ASSIGN_OR_RETURN(auto indptr, r.Array<int64_t>(kIndptr, "indptr"));
  TAILOR_ASSIGN_OR_RETURN(auto items, r.Array<uint32_t>(kIndices, "items"));
  TAILOR_ASSIGN_OR_RETURN(auto lift, r.Array<float>(kLift, "lift"));
  TAILOR_ASSIGN_OR_RETURN(auto prior, r.Array<double>(kPrior, "prior_events"));
  ItemAffinity a;
  if (meta.size() != 2 || meta[0] < 0 || meta[1] < 0 || prior.size() != 1 ||
      keys.size() != static_cast<size_t>(meta[1]) ||
      def.size() != static_cast<size_t>(meta[0]) ||
      indptr.size() != static_cast<size_t>(meta[0]) + 1) {
    return absl::DataLossError(
        absl::StrCat(path, ": section sizes do not agree"));
  }
  a.segments = static_cast<int>(meta[0]);
  a.items = meta[1];
  a.prior_events = prior[0];
  a.default_lift.assign(def.begin(), def.end());
  a.lift.rows = a.segments;
  a.lift.cols = a.items;
  a.lift.indptr.assign(indptr.begin(), indptr.end());
  a.lift.indices.assign(items.begin(), items.end());
  a.lift.data.assign(lift.begin(), lift.end());
  if (!ValidateCsr(a.lift).ok()) {
    return absl::DataLossError(absl::StrCat(path, ": invalid lift matrix"));
  }
  if (item_keys != nullptr) item_keys->assign(keys.begin(), keys.end());
  return a;
}

}  // namespace tailor
