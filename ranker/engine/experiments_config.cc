#include "ranker/engine/experiments_config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "core/key_hash.h"
#include "nlohmann/json.hpp"
#include "ranker/engine/labels_config.h"

namespace tailor::ranker {
namespace {

using nlohmann::json;

absl::Status CheckKeys(const json& object, const std::set<std::string>& allowed,
                       absl::string_view where, absl::string_view source) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("experiments config ", source, ": ", where,
                       ": unknown key '", key, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int ExperimentBucket(absl::string_view salt, absl::string_view unit_id) {
  std::string data(8, '\0');
  const uint64_t len = salt.size();
  for (int i = 0; i < 8; ++i)
    data[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  data.append(salt.data(), salt.size());
  data.append(unit_id.data(), unit_id.size());
  return static_cast<int>(SipHash24(SipHashKey{}, data) % kExperimentBuckets);
}

const ExperimentArm* Experiment::Assign(absl::string_view unit_id) const {
  const int arm = arm_of_bucket[ExperimentBucket(salt, unit_id)];
  return arm < 0 ? nullptr : &arms[arm];
}

absl::StatusOr<ExperimentsConfig> ExperimentsConfig::Parse(
    absl::string_view json_text, absl::string_view source) {
  auto bad = [&](absl::string_view where, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("experiments config ", source, ": ", where, ": ", why));
  };
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("file", "not valid JSON");
  if (!doc.is_object()) return bad("file", "the top level must be an object");
  if (auto s = CheckKeys(doc, {"experiments"}, "top level", source); !s.ok()) {
    return s;
  }
  ExperimentsConfig config;
  if (!doc.contains("experiments")) return config;
  const json& list = doc["experiments"];
  if (!list.is_array()) return bad("experiments", "must be an array");
  std::set<std::string> models;
  for (size_t e = 0; e < list.size(); ++e) {
    const json& spec = list[e];
    std::string where = absl::StrCat("experiments[", e, "]");
    if (!spec.is_object()) return bad(where, "must be an object");
    if (auto s =
            CheckKeys(spec, {"name", "model", "salt", "arms"}, where, source);
        !s.ok()) {
      return s;
    }
    Experiment x;
    for (const char* key : {"name", "model", "salt"}) {
      if (!spec.contains(key) || !spec[key].is_string() ||
          spec[key].get<std::string>().empty()) {
        return bad(where,
                   absl::StrCat("'", key, "' must be a non-empty string"));
      }
    }
    x.name = spec["name"].get<std::string>();
    x.model = spec["model"].get<std::string>();
    x.salt = spec["salt"].get<std::string>();
    where = absl::StrCat(where, " (", x.name, ")");
    if (!IsValidLabelName(x.name)) {
      return bad(where, "name must be 1..64 characters of [A-Za-z0-9_.-]");
    }
    if (!models.insert(x.model).second) {
      return bad(where, absl::StrCat("model '", x.model,
                                     "' already has an experiment"));
    }
    if (!spec.contains("arms") || !spec["arms"].is_array() ||
        spec["arms"].empty()) {
      return bad(where, "'arms' must be a non-empty array");
    }
    if (spec["arms"].size() > 100) return bad(where, "more than 100 arms");
    x.arm_of_bucket.assign(kExperimentBuckets, -1);
    std::set<std::string> arm_names;
    for (size_t a = 0; a < spec["arms"].size(); ++a) {
      const json& arm_spec = spec["arms"][a];
      std::string arm_where = absl::StrCat(where, ".arms[", a, "]");
      if (!arm_spec.is_object()) return bad(arm_where, "must be an object");
      if (auto s = CheckKeys(arm_spec, {"name", "version", "label", "buckets"},
                             arm_where, source);
          !s.ok()) {
        return s;
      }
      ExperimentArm arm;
      if (!arm_spec.contains("name") || !arm_spec["name"].is_string() ||
          !IsValidLabelName(arm_spec["name"].get<std::string>())) {
        return bad(arm_where,
                   "'name' must be 1..64 characters of [A-Za-z0-9_.-]");
      }
      arm.name = arm_spec["name"].get<std::string>();
      arm_where = absl::StrCat(arm_where, " (", arm.name, ")");
      if (!arm_names.insert(arm.name).second) {
        return bad(arm_where, "duplicate arm name");
      }
      const bool has_version = arm_spec.contains("version");
      const bool has_label = arm_spec.contains("label");
      if (has_version == has_label) {
        return bad(arm_where, "set exactly one of 'version' and 'label'");
      }
      if (has_version) {
        const json& v = arm_spec["version"];
        if (!v.is_number_integer() || v.get<int64_t>() < 1) {
          return bad(arm_where, "'version' must be an integer >= 1");
        }
        arm.version = v.get<int64_t>();
      } else {
        const json& l = arm_spec["label"];
        if (!l.is_string() || !IsValidLabelName(l.get<std::string>())) {
          return bad(arm_where, "'label' must be a label name");
        }
        arm.label = l.get<std::string>();
      }
      const json& ranges =
          arm_spec.contains("buckets") ? arm_spec["buckets"] : json();
      if (!ranges.is_array() || ranges.empty()) {
        return bad(arm_where,
                   "'buckets' must be a non-empty array of [begin, end) pairs");
      }
      for (const json& r : ranges) {
        if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() ||
            !r[1].is_number_integer()) {
          return bad(arm_where, absl::StrCat("bucket range ", r.dump(),
                                             " is not [begin, end)"));
        }
        const int64_t begin = r[0].get<int64_t>();
        const int64_t end = r[1].get<int64_t>();
        if (begin < 0 || end > kExperimentBuckets || begin >= end) {
          return bad(arm_where,
                     absl::StrCat("bucket range ", r.dump(),
                                  " must satisfy 0 <= begin < end <= ",
                                  kExperimentBuckets));
        }
        for (int64_t b = begin; b < end; ++b) {
          if (x.arm_of_bucket[b] >= 0) {
            return bad(
                arm_where,
                absl::StrCat(
                    "bucket ", b, " is already assigned to arm '",
                    x.arms.size() > static_cast<size_t>(x.arm_of_bucket[b])
                        ? x.arms[x.arm_of_bucket[b]].name
                        : arm.name,
                    "'"));
          }
          x.arm_of_bucket[b] = static_cast<int16_t>(a);
        }
        arm.buckets.emplace_back(static_cast<int>(begin),
                                 static_cast<int>(end));
      }
      x.arms.push_back(std::move(arm));
    }
    config.experiments_.push_back(std::move(x));
  }
  return config;
}

const Experiment* ExperimentsConfig::ForModel(absl::string_view model) const {
  for (const Experiment& x : experiments_) {
    if (x.model == model) return &x;
  }
  return nullptr;
}

}  // namespace tailor::ranker
