#include "tools/tailor/profile_command.h"

#include <omp.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "trainer/marketing/dataset_profiles.h"
#include "trainer/marketing/html_report.h"
#include "trainer/marketing/marketing_report.h"
#include "trainer/marketing/profile_io.h"

ABSL_FLAG(std::string, html, "",
          "Also write a self-contained HTML report (inline SVG charts) here.");
ABSL_FLAG(std::string, category_attribute, "",
          "Item attribute holding '|'-separated categories for interests; "
          "empty = genres/genre/categories/category if present; 'none'.");
ABSL_FLAG(int32_t, profile_top_items, 10, "Top items kept per user.");
ABSL_FLAG(double, lifecycle_new_days, 30,
          "First event at most this many days before the end: 'new'.");
ABSL_FLAG(double, lifecycle_at_risk_days, 90,
          "Last event more than this many days before the end: 'at_risk'.");
ABSL_FLAG(double, lifecycle_churned_days, 180,
          "Last event more than this many days before the end: 'churned'.");
ABSL_FLAG(double, lifecycle_loyal_quantile, 0.8,
          "Frequency quantile (among users with events) for 'loyal'.");

namespace tailor {
namespace {

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (dataset.empty())
    return absl::InvalidArgumentError("--dataset is required");
  if (output.empty()) return absl::InvalidArgumentError("--output is required");
  ApplyThreadsFlag();
  TAILOR_ASSIGN_OR_RETURN(ProfileOptions options, ProfileOptionsFromFlags());
  const absl::Time start = absl::Now();
  TAILOR_ASSIGN_OR_RETURN(
      ProfiledDataset d,
      LoadAndProfile(fs, dataset, absl::GetFlag(FLAGS_category_attribute),
                     options));
  const UserProfiles& p = d.profiles;
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(output));
  const std::string binary = JoinPath(output, "profiles.tpf");
  const std::string csv = JoinPath(output, "profiles.csv");
  TAILOR_RETURN_IF_ERROR(WriteProfiles(fs, binary, p));
  TAILOR_RETURN_IF_ERROR(
      WriteStringToFile(fs, csv, ProfilesToCsv(p, d.dataset->items())));
  int64_t with_events = 0;
  nlohmann::json stages = nlohmann::json::object(),
                 segments = nlohmann::json::object();
  for (int64_t u = 0; u < p.size(); ++u) {
    with_events += p.events[u] > 0;
    stages[std::string(LifecycleStageName(p.lifecycle[u]))] =
        stages.value(std::string(LifecycleStageName(p.lifecycle[u])), 0) + 1;
    const std::string s(RfmSegmentName(p.rfm_segment[u]));
    segments[s] = segments.value(s, 0) + 1;
  }
  nlohmann::json out = {
      {"command", "profile"},
      {"dataset", dataset},
      {"output", output},
      {"users", p.size()},
      {"users_with_events", with_events},
      {"has_timestamps", p.has_timestamps},
      {"has_monetary", p.has_monetary},
      {"monetary", p.has_monetary ? "sum of amounts"
                                  : "absent: the dataset has no amounts"},
      {"category_source", p.category_source},
      {"categories", p.category_names.size()},
      {"demographics", p.demographic_names},
      {"end_time", p.end_time},
      {"loyal_frequency_threshold", p.loyal_threshold},
      {"lifecycle", stages},
      {"rfm_segments", segments},
      {"files", {binary, csv}},
  };
  if (p.demographic_names.empty()) {
    std::fprintf(stderr,
                 "tailor profile: %s has no user attributes; profiles have "
                 "no demographics\n",
                 dataset.c_str());
  }
  const std::string html = absl::GetFlag(FLAGS_html);
  if (!html.empty()) {
    TAILOR_RETURN_IF_ERROR(
        WriteStringToFile(fs, html,
                          HtmlPage(absl::StrCat("User profiles of ", dataset),
                                   ProfileReportSections(p))));
    out["html"] = html;
  }
  out["seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  nlohmann::json summary = out;
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(
      fs, JoinPath(output, "profiles.json"), summary.dump(2) + "\n"));
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%lld profiles (%lld with events) of %s written to %s\n",
                static_cast<long long>(p.size()),
                static_cast<long long>(with_events), dataset.c_str(),
                output.c_str());
    std::printf("lifecycle: %s\nrfm: %s\n", stages.dump().c_str(),
                segments.dump().c_str());
  }
  return absl::OkStatus();
}

int RunProfile() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor profile: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

absl::StatusOr<ProfileOptions> ProfileOptionsFromFlags() {
  ProfileOptions o;
  o.top_items = absl::GetFlag(FLAGS_profile_top_items);
  o.lifecycle.new_days = absl::GetFlag(FLAGS_lifecycle_new_days);
  o.lifecycle.at_risk_days = absl::GetFlag(FLAGS_lifecycle_at_risk_days);
  o.lifecycle.churned_days = absl::GetFlag(FLAGS_lifecycle_churned_days);
  o.lifecycle.loyal_frequency_quantile =
      absl::GetFlag(FLAGS_lifecycle_loyal_quantile);
  if (o.top_items < 0) {
    return absl::InvalidArgumentError("--profile_top_items must be >= 0");
  }
  if (!(o.lifecycle.new_days >= 0 &&
        o.lifecycle.at_risk_days < o.lifecycle.churned_days)) {
    return absl::InvalidArgumentError(
        "--lifecycle_new_days must be >= 0 and --lifecycle_at_risk_days "
        "below --lifecycle_churned_days");
  }
  if (!(o.lifecycle.loyal_frequency_quantile >= 0 &&
        o.lifecycle.loyal_frequency_quantile <= 1)) {
    return absl::InvalidArgumentError(
        "--lifecycle_loyal_quantile must be in [0, 1]");
  }
  return o;
}

std::vector<std::string> ProfileFlagNames() {
  return {"html",
          "category_attribute",
          "profile_top_items",
          "lifecycle_new_days",
          "lifecycle_at_risk_days",
          "lifecycle_churned_days",
          "lifecycle_loyal_quantile"};
}

void ApplyThreadsFlag() {
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads > 0) omp_set_num_threads(threads);
}

Command ProfileCommand() {
  Command c;
  c.name = "profile";
  c.summary =
      "User profiles of a dataset: demographics, RFM, interests, top items, "
      "activity rhythm, lifecycle stage (profiles.tpf, profiles.csv).";
  c.flags_file = __FILE__;
  c.shared_flags = {"dataset", "output", "json", "threads"};
  c.run = &RunProfile;
  return c;
}

}  // namespace tailor
