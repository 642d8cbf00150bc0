#include "core/dataset/manifest.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tailor {
namespace {

using Json = nlohmann::json;

Json PartitionsToJson(const std::vector<DatasetPartition>& parts) {
  Json a = Json::array();
  for (const DatasetPartition& p : parts) {
    a.push_back({{"path", p.path},
                 {"first_row", p.first_row},
                 {"rows", p.rows},
                 {"entries", p.entries}});
  }
  return a;
}

// Reads j[key] as T, or fails naming the field. No exceptions escape.
template <typename T>
absl::Status Get(const Json& j, const char* key, absl::string_view what,
                 T* out) {
  if (!j.is_object() || !j.contains(key)) {
    return absl::DataLossError(
        absl::StrCat(what, ": missing field \"", key, "\""));
  }
  const Json& v = j.at(key);
  bool ok;
  if constexpr (std::is_same_v<T, std::string>) {
    ok = v.is_string();
  } else if constexpr (std::is_same_v<T, bool>) {
    ok = v.is_boolean();
  } else if constexpr (std::is_floating_point_v<T>) {
    ok = v.is_number();
  } else if constexpr (std::is_unsigned_v<T>) {
    ok = v.is_number_unsigned();
  } else if constexpr (std::is_integral_v<T>) {
    ok = v.is_number_integer();
  } else {
    ok = true;
  }
  if (!ok) {
    return absl::DataLossError(
        absl::StrCat(what, ": field \"", key, "\" has the wrong type"));
  }
  if constexpr (std::is_same_v<T, Json>) {
    *out = v;
  } else {
    *out = v.get<T>();
  }
  return absl::OkStatus();
}

absl::Status GetStrings(const Json& j, const char* key, absl::string_view what,
                        std::vector<std::string>* out) {
  if (!j.contains(key) || !j.at(key).is_array()) {
    return absl::DataLossError(
        absl::StrCat(what, ": missing array \"", key, "\""));
  }
  for (const Json& v : j.at(key)) {
    if (!v.is_string()) {
      return absl::DataLossError(
          absl::StrCat(what, ": \"", key, "\" holds a non-string"));
    }
    out->push_back(v.get<std::string>());
  }
  return absl::OkStatus();
}

#define MANIFEST_GET(j, key, out)             \
  do {                                        \
    absl::Status s_ = Get(j, key, what, out); \
    if (!s_.ok()) return s_;                  \
  } while (false)

absl::Status GetPartitions(const Json& j, const char* key,
                           absl::string_view what,
                           std::vector<DatasetPartition>* out) {
  if (!j.contains(key) || !j.at(key).is_array()) {
    return absl::DataLossError(
        absl::StrCat(what, ": missing array \"partitions.", key, "\""));
  }
  for (const Json& e : j.at(key)) {
    DatasetPartition p;
    MANIFEST_GET(e, "path", &p.path);
    MANIFEST_GET(e, "first_row", &p.first_row);
    MANIFEST_GET(e, "rows", &p.rows);
    MANIFEST_GET(e, "entries", &p.entries);
    out->push_back(std::move(p));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ManifestToJson(const DatasetManifest& m) {
  Json j;
  j["format"] = "tailor.dataset";
  j["format_version"] = m.format_version;
  j["preset"] = m.preset;
  j["lines_read"] = m.lines_read;
  j["accepted"] = m.accepted;
  j["rejected"] = Json::object();
  for (const auto& [reason, count] : m.rejected) j["rejected"][reason] = count;
  j["users"] = m.users;
  j["items"] = m.items;
  j["interactions"] = m.interactions;
  j["value_name"] = m.value_name;
  j["has_timestamps"] = m.has_timestamps;
  j["has_amounts"] = m.has_amounts;
  j["time_range"] = {{"min_unix_seconds", m.min_timestamp},
                     {"max_unix_seconds", m.max_timestamp}};
  j["key_hashing"] = {{"users", m.user_key_hashing},
                      {"items", m.item_key_hashing}};
  j["user_attributes"] = m.user_attributes;
  j["item_attributes"] = m.item_attributes;
  j["policy"] = m.policy;
  j["sources"] = Json::array();
  for (const DatasetSource& s : m.sources) {
    j["sources"].push_back({{"role", s.role},
                            {"path", s.path},
                            {"compression", s.compression},
                            {"lines_read", s.lines_read},
                            {"accepted", s.accepted}});
  }
  j["partitions"] = {{"user_major", PartitionsToJson(m.user_major)},
                     {"item_major", PartitionsToJson(m.item_major)}};
  j["files"] = Json::array();
  for (const DatasetFile& f : m.files) {
    j["files"].push_back(
        {{"path", f.path}, {"bytes", f.bytes}, {"crc32c", f.crc32c}});
  }
  j["ingest_seconds"] = m.ingest_seconds;
  return j.dump(2) + "\n";
}

absl::StatusOr<DatasetManifest> ManifestFromJson(absl::string_view json,
                                                 absl::string_view what) {
  Json j = Json::parse(json.begin(), json.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(absl::StrCat(what, ": not a JSON object"));
  }
  DatasetManifest m;
  std::string format;
  MANIFEST_GET(j, "format", &format);
  if (format != "tailor.dataset") {
    return absl::DataLossError(absl::StrCat(what, ": \"format\" is \"", format,
                                            "\", expected \"tailor.dataset\""));
  }
  MANIFEST_GET(j, "format_version", &m.format_version);
  if (m.format_version != kDatasetFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": dataset format_version ", m.format_version,
        " is not supported (this build reads ", kDatasetFormatVersion, ")"));
  }
  MANIFEST_GET(j, "preset", &m.preset);
  MANIFEST_GET(j, "lines_read", &m.lines_read);
  MANIFEST_GET(j, "accepted", &m.accepted);
  if (!j.contains("rejected") || !j["rejected"].is_object()) {
    return absl::DataLossError(absl::StrCat(what, ": missing \"rejected\""));
  }
  for (const auto& [reason, count] : j["rejected"].items()) {
    if (!count.is_number_integer()) {
      return absl::DataLossError(
          absl::StrCat(what, ": rejected count of ", reason, " not integer"));
    }
    m.rejected[reason] = count.get<int64_t>();
  }
  MANIFEST_GET(j, "users", &m.users);
  MANIFEST_GET(j, "items", &m.items);
  MANIFEST_GET(j, "interactions", &m.interactions);
  MANIFEST_GET(j, "value_name", &m.value_name);
  MANIFEST_GET(j, "has_timestamps", &m.has_timestamps);
  MANIFEST_GET(j, "has_amounts", &m.has_amounts);
  Json time_range;
  MANIFEST_GET(j, "time_range", &time_range);
  MANIFEST_GET(time_range, "min_unix_seconds", &m.min_timestamp);
  MANIFEST_GET(time_range, "max_unix_seconds", &m.max_timestamp);
  Json hashing;
  MANIFEST_GET(j, "key_hashing", &hashing);
  MANIFEST_GET(hashing, "users", &m.user_key_hashing);
  MANIFEST_GET(hashing, "items", &m.item_key_hashing);
  absl::Status s = GetStrings(j, "user_attributes", what, &m.user_attributes);
  if (s.ok()) s = GetStrings(j, "item_attributes", what, &m.item_attributes);
  if (s.ok()) s = GetStrings(j, "policy", what, &m.policy);
  if (!s.ok()) return s;
  if (!j.contains("sources") || !j["sources"].is_array()) {
    return absl::DataLossError(absl::StrCat(what, ": missing \"sources\""));
  }
  for (const Json& e : j["sources"]) {
    DatasetSource src;
    MANIFEST_GET(e, "role", &src.role);
    MANIFEST_GET(e, "path", &src.path);
    MANIFEST_GET(e, "compression", &src.compression);
    MANIFEST_GET(e, "lines_read", &src.lines_read);
    MANIFEST_GET(e, "accepted", &src.accepted);
    m.sources.push_back(std::move(src));
  }
  Json parts;
  MANIFEST_GET(j, "partitions", &parts);
  s = GetPartitions(parts, "user_major", what, &m.user_major);
  if (s.ok()) s = GetPartitions(parts, "item_major", what, &m.item_major);
  if (!s.ok()) return s;
  if (!j.contains("files") || !j["files"].is_array()) {
    return absl::DataLossError(absl::StrCat(what, ": missing \"files\""));
  }
  for (const Json& e : j["files"]) {
    DatasetFile f;
    MANIFEST_GET(e, "path", &f.path);
    MANIFEST_GET(e, "bytes", &f.bytes);
    MANIFEST_GET(e, "crc32c", &f.crc32c);
    m.files.push_back(std::move(f));
  }
  MANIFEST_GET(j, "ingest_seconds", &m.ingest_seconds);
  return m;
}

}  // namespace tailor
