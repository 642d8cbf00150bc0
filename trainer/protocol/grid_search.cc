#include "trainer/protocol/grid_search.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "trainer/local/spec_util.h"

namespace tailor {
namespace {

using google::protobuf::FieldDescriptor;

absl::Status BadValue(const Setting& s, const char* expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      "setting ", s.first, "='", s.second, "': expected ", expected));
}

absl::StatusOr<Setting> ParseSetting(absl::string_view text) {
  std::vector<std::string> kv = absl::StrSplit(text, absl::MaxSplits('=', 1));
  if (kv.size() != 2 || absl::StripAsciiWhitespace(kv[0]).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not name=value"));
  }
  return Setting(std::string(absl::StripAsciiWhitespace(kv[0])),
                 std::string(absl::StripAsciiWhitespace(kv[1])));
}

}  // namespace

absl::StatusOr<std::vector<GridAxis>> ParseGrid(const std::string& text) {
  std::vector<GridAxis> axes;
  std::set<std::string> seen;
  for (absl::string_view part : absl::StrSplit(text, ';', absl::SkipEmpty())) {
    absl::StatusOr<Setting> s = ParseSetting(part);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("grid: ", s.status().message()));
    }
    GridAxis axis;
    axis.name = s->first;
    for (absl::string_view v : absl::StrSplit(s->second, ',')) {
      v = absl::StripAsciiWhitespace(v);
      if (v.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("grid: '", part, "' has an empty value"));
      }
      axis.values.emplace_back(v);
    }
    if (!seen.insert(axis.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("grid: '", axis.name, "' is given twice"));
    }
    axes.push_back(std::move(axis));
  }
  if (axes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("grid '", text,
                     "' has no name=v1,v2 part (example: "
                     "factors=32,64;regularization=0.01,0.1)"));
  }
  return axes;
}

absl::StatusOr<std::vector<std::vector<Setting>>> GridCombinations(
    const std::vector<GridAxis>& axes, int max_combinations) {
  int64_t total = 1;
  for (const GridAxis& a : axes) {
    total *= static_cast<int64_t>(a.values.size());
    if (total > max_combinations) {
      return absl::InvalidArgumentError(
          absl::StrCat("the grid has more than ", max_combinations,
                       " combinations; keep it small"));
    }
  }
  std::vector<std::vector<Setting>> out(1);
  for (const GridAxis& a : axes) {
    std::vector<std::vector<Setting>> next;
    for (const auto& prefix : out) {
      for (const std::string& v : a.values) {
        next.push_back(prefix);
        next.back().emplace_back(a.name, v);
      }
    }
    out = std::move(next);
  }
  return out;
}

absl::Status ApplySetting(const Setting& s, tailor::v1::JobSpec& spec) {
  const FieldDescriptor* field =
      tailor::v1::JobSpec::descriptor()->FindFieldByName(s.first);
  if (field == nullptr || field->is_map() || field->is_repeated()) {
    if (field != nullptr) return BadValue(s, "a scalar job-spec field");
    (*spec.mutable_options())[s.first] = s.second;
    return absl::OkStatus();
  }
  const auto* r = spec.GetReflection();
  const std::string& v = s.second;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return BadValue(s, "an integer >= 0");
      r->SetUInt32(&spec, field, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return BadValue(s, "an integer >= 0");
      r->SetUInt64(&spec, field, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return BadValue(s, "an integer");
      r->SetInt32(&spec, field, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return BadValue(s, "an integer");
      r->SetInt64(&spec, field, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double x = 0;
      if (!absl::SimpleAtod(v, &x) || !std::isfinite(x)) {
        return BadValue(s, "a number");
      }
      r->SetDouble(&spec, field, x);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(&spec, field, v);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = field->enum_type();
      // "cg" -> SOLVER_CG: the value names share the enum's prefix.
      std::string prefix = e->value(0)->name();
      prefix = prefix.substr(0, prefix.rfind("UNSPECIFIED"));
      const auto* value = e->FindValueByName(absl::AsciiStrToUpper(v));
      if (value == nullptr) {
        value = e->FindValueByName(prefix + absl::AsciiStrToUpper(v));
      }
      if (value == nullptr) return BadValue(s, "a value of its enum");
      r->SetEnum(&spec, field, value);
      break;
    }
    default:
      return BadValue(s, "a scalar job-spec field");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, std::vector<Setting>>>
ParseAlgorithmEntry(const std::string& entry) {
  std::vector<std::string> parts = absl::StrSplit(entry, ':');
  std::pair<std::string, std::vector<Setting>> out;
  out.first = std::string(absl::StripAsciiWhitespace(parts[0]));
  if (out.first.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("algorithm entry '", entry, "' names no algorithm"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::StatusOr<Setting> s = ParseSetting(parts[i]);
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "algorithm entry '", entry, "': ", s.status().message()));
    }
    out.second.push_back(*std::move(s));
  }
  return out;
}

void SortRows(const std::string& metric, std::vector<GridRow>& rows) {
  const bool lower = LowerIsBetter(metric);
  auto value = [&](const GridRow& row, double* out) {
    if (!row.error.empty()) return false;
    auto it = row.run.metrics.find(metric);
    if (it == row.run.metrics.end() || std::isnan(it->second)) return false;
    *out = it->second;
    return true;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const GridRow& a, const GridRow& b) {
                     double x = 0, y = 0;
                     const bool has_a = value(a, &x), has_b = value(b, &y);
                     if (has_a != has_b) return has_a;
                     if (!has_a) return false;
                     return lower ? x < y : x > y;
                   });
}

absl::StatusOr<std::vector<GridRow>> RunGridSearch(
    const tailor::v1::JobSpec& base, const std::vector<GridAxis>& axes,
    const ProtocolSplit& split, const RunOptions& options) {
  TAILOR_ASSIGN_OR_RETURN(auto combinations, GridCombinations(axes));
  std::vector<GridRow> rows;
  for (const std::vector<Setting>& settings : combinations) {
    GridRow row;
    row.settings = settings;
    row.spec = base;
    for (const Setting& s : settings) {
      TAILOR_RETURN_IF_ERROR(ApplySetting(s, row.spec));
    }
    ApplyAlgorithmDefaults(row.spec);
    absl::StatusOr<ProtocolRun> run = EvaluateOnSplit(row.spec, split, options);
    if (run.ok()) {
      row.run = *std::move(run);
    } else {
      row.error = std::string(run.status().message());
    }
    rows.push_back(std::move(row));
  }
  SortRows(MainMetric(split.options.protocol, split.options.k), rows);
  return rows;
}

}  // namespace tailor
