#include "ranker/engine/version_policy.h"

#include <iterator>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tailor::ranker {

VersionPolicy VersionPolicy::Latest(int n) {
  VersionPolicy p;
  p.kind = Kind::kLatest;
  p.latest_count = n;
  return p;
}

VersionPolicy VersionPolicy::Specific(std::set<int64_t> versions) {
  VersionPolicy p;
  p.kind = Kind::kSpecific;
  p.versions = std::move(versions);
  return p;
}

absl::StatusOr<VersionPolicy> ParseVersionPolicy(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("version policy '", text, "': ", why,
                     " (expected latest, latest:N or versions:V1,V2,...)"));
  };
  if (text == "latest") return VersionPolicy::Latest(1);
  if (absl::ConsumePrefix(&text, "latest:")) {
    int n = 0;
    if (!absl::SimpleAtoi(text, &n) || n < 1) return bad("N must be >= 1");
    return VersionPolicy::Latest(n);
  }
  if (absl::ConsumePrefix(&text, "versions:")) {
    std::set<int64_t> versions;
    for (absl::string_view part : absl::StrSplit(text, ',')) {
      int64_t v = 0;
      if (!absl::SimpleAtoi(part, &v) || v < 1) {
        return bad(absl::StrCat("'", part, "' is not a version >= 1"));
      }
      versions.insert(v);
    }
    return VersionPolicy::Specific(std::move(versions));
  }
  return bad("unknown form");
}

std::string FormatVersionPolicy(const VersionPolicy& policy) {
  if (policy.kind == VersionPolicy::Kind::kLatest) {
    return absl::StrCat("latest:", policy.latest_count);
  }
  return absl::StrCat("versions:", absl::StrJoin(policy.versions, ","));
}

VersionPlan PlanVersions(const VersionPolicy& policy, const VersionState& state,
                         bool unload_first) {
  VersionPlan plan;
  std::set<int64_t> candidates;
  for (int64_t v : state.on_disk) {
    if (state.failed.count(v) == 0) candidates.insert(v);
  }
  if (policy.kind == VersionPolicy::Kind::kLatest) {
    int taken = 0;
    for (auto it = candidates.rbegin();
         it != candidates.rend() && taken < policy.latest_count;
         ++it, ++taken) {
      plan.aspired.insert(*it);
    }
  } else {
    for (int64_t v : policy.versions) {
      if (candidates.count(v) > 0) plan.aspired.insert(v);
    }
  }
  for (int64_t v : state.pinned) {
    if (candidates.count(v) > 0) plan.aspired.insert(v);
  }
  for (auto it = plan.aspired.rbegin(); it != plan.aspired.rend(); ++it) {
    if (state.available.count(*it) == 0) plan.to_load.push_back(*it);
  }
  std::vector<int64_t> leaving;  // ascending
  bool aspired_available = false;
  for (int64_t v : state.available) {
    if (plan.aspired.count(v) == 0) {
      leaving.push_back(v);
    } else {
      aspired_available = true;
    }
  }
  if (!unload_first && !plan.to_load.empty()) return plan;
  if (!aspired_available && plan.to_load.empty() && !leaving.empty()) {
    leaving.pop_back();  // the last good version stays
  }
  plan.to_unload = std::move(leaving);
  return plan;
}

}  // namespace tailor::ranker
