#include "tools/tailor/segment_command.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/file_system.h"
#include "core/format/factor_table.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"
#include "tools/tailor/common_flags.h"
#include "tools/tailor/profile_command.h"
#include "trainer/marketing/csv_util.h"
#include "trainer/marketing/dataset_profiles.h"
#include "trainer/marketing/kmeans.h"
#include "trainer/marketing/marketing_report.h"
#include "trainer/marketing/segment_features.h"
#include "trainer/marketing/segment_io.h"
#include "trainer/marketing/segments.h"
#include "trainer/marketing/silhouette.h"

ABSL_FLAG(int32_t, segment_k, 0,
          "K-means clusters; 0 = the k of --segment_k_min..max with the best "
          "silhouette.");
ABSL_FLAG(int32_t, segment_k_min, 2, "Smallest k of the k report.");
ABSL_FLAG(int32_t, segment_k_max, 8, "Largest k of the k report.");
ABSL_FLAG(int32_t, segment_restarts, 4, "K-means++ restarts per k.");
ABSL_FLAG(int32_t, segment_max_iterations, 300, "Lloyd iterations per run.");
ABSL_FLAG(int64_t, segment_silhouette_sample, 10000,
          "Users sampled (seeded) for the silhouette when there are more.");
ABSL_FLAG(std::string, segment_user_factors, "",
          "Also cluster on user factors: a user_factors.tft file or a model "
          "version directory holding one.");
ABSL_FLAG(double, segment_affinity_prior, 50,
          "Prior strength (events) of the smoothed item lift.");
ABSL_FLAG(int32_t, segment_top, 10, "Top categories and items per segment.");

namespace tailor {
namespace {

// "frequent, high spend" from the largest standardized centroid values.
std::string Traits(const SegmentFeatures& f, const float* z) {
  struct Words {
    const char* name;
    const char* high;
    const char* low;
  };
  static const Words kWords[] = {
      {"recency_days", "lapsed", "recent"},
      {"tenure_days", "long-standing", "newly joined"},
      {"frequency", "frequent", "infrequent"},
      {"events", "many events", "few events"},
      {"distinct_items", "broad range", "narrow range"},
      {"monetary", "high spend", "low spend"},
  };
  std::vector<std::pair<double, std::string>> traits;
  for (int j = 0; j < f.dim; ++j) {
    if (std::fabs(z[j]) < 0.5) continue;
    for (const Words& w : kWords) {
      if (f.names[j] == w.name) {
        traits.push_back({-std::fabs(z[j]), z[j] > 0 ? w.high : w.low});
      }
    }
  }
  std::sort(traits.begin(), traits.end());
  std::string out;
  for (size_t i = 0; i < traits.size() && i < 2; ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", traits[i].second);
  }
  return out.empty() ? "average" : out;
}

nlohmann::json DescriptionJson(const SegmentDescription& s,
                               const EntityColumns& items) {
  auto num = [](double v) {
    return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
  };
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"size", s.size},
                      {"share", s.share},
                      {"mean_recency_days", num(s.mean_recency_days)},
                      {"mean_frequency", s.mean_frequency},
                      {"mean_monetary", num(s.mean_monetary)},
                      {"mean_events", s.mean_events}};
  nlohmann::json centroid = nlohmann::json::object();
  for (const auto& [name, v] : s.centroid) centroid[name] = v;
  if (!s.centroid.empty()) j["centroid"] = centroid;
  j["top_categories"] = nlohmann::json::array();
  for (const auto& [name, share] : s.top_categories) {
    j["top_categories"].push_back({{"category", name}, {"share", share}});
  }
  j["top_items"] = nlohmann::json::array();
  for (const auto& [item, events] : s.top_items) {
    j["top_items"].push_back({{"item", items.external_ids[item]},
                              {"label", ItemLabel(items, item)},
                              {"events", events}});
  }
  nlohmann::json stages = nlohmann::json::object();
  for (int st = 0; st < kLifecycleStageCount; ++st) {
    if (s.lifecycle_counts[st] > 0) {
      stages[std::string(LifecycleStageName(static_cast<LifecycleStage>(st)))] =
          s.lifecycle_counts[st];
    }
  }
  j["lifecycle"] = stages;
  return j;
}

absl::StatusOr<std::optional<FactorTable>> LoadFactors(FileSystem* fs) {
  std::string path = absl::GetFlag(FLAGS_segment_user_factors);
  if (path.empty()) return std::optional<FactorTable>();
  if (fs->Exists(JoinPath(path, "user_factors.tft"))) {
    path = JoinPath(path, "user_factors.tft");
  }
  TAILOR_ASSIGN_OR_RETURN(FactorTable t, ReadFactorTable(fs, path));
  return std::optional<FactorTable>(std::move(t));
}

absl::Status Run() {
  FileSystem* fs = PosixFileSystem();
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  const std::string output = absl::GetFlag(FLAGS_output);
  if (dataset.empty())
    return absl::InvalidArgumentError("--dataset is required");
  if (output.empty()) return absl::InvalidArgumentError("--output is required");
  ApplyThreadsFlag();
  const absl::Time start = absl::Now();
  TAILOR_ASSIGN_OR_RETURN(ProfileOptions profile_options,
                          ProfileOptionsFromFlags());
  TAILOR_ASSIGN_OR_RETURN(
      ProfiledDataset d,
      LoadAndProfile(fs, dataset, absl::GetFlag(FLAGS_category_attribute),
                     profile_options));
  const UserProfiles& p = d.profiles;
  TAILOR_ASSIGN_OR_RETURN(std::optional<FactorTable> factors, LoadFactors(fs));
  auto features_or = BuildSegmentFeatures(p, factors ? &*factors : nullptr);
  if (!features_or.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dataset ", dataset, ": ", features_or.status().message()));
  }
  const SegmentFeatures& f = *features_or;
  const int64_t n = static_cast<int64_t>(f.users.size());
  const int k_fixed = absl::GetFlag(FLAGS_segment_k);
  int k_min = absl::GetFlag(FLAGS_segment_k_min);
  int k_max = absl::GetFlag(FLAGS_segment_k_max);
  if (k_fixed > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("--segment_k=", k_fixed,
                     " is larger than the number of users with "
                     "events in ",
                     dataset, " (", n, ")"));
  }
  if (k_fixed < 0 || k_min < 2 || k_max < k_min) {
    return absl::InvalidArgumentError(
        "need --segment_k >= 0 and 2 <= --segment_k_min <= --segment_k_max");
  }
  k_max = static_cast<int>(std::min<int64_t>(k_max, n - 1));
  KMeansOptions km;
  km.restarts = absl::GetFlag(FLAGS_segment_restarts);
  km.max_iterations = absl::GetFlag(FLAGS_segment_max_iterations);
  km.seed = absl::GetFlag(FLAGS_seed);
  nlohmann::json report = nlohmann::json::array();
  int best_k = k_fixed;
  double best_silhouette = -2;
  std::optional<KMeansResult> chosen;
  for (int k = k_min; k <= k_max; ++k) {
    km.k = k;
    TAILOR_ASSIGN_OR_RETURN(KMeansResult r, RunKMeans(f.values, f.dim, km));
    auto sil = SampledSilhouette(f.values, f.dim, r.labels, k,
                                 absl::GetFlag(FLAGS_segment_silhouette_sample),
                                 km.seed);
    nlohmann::json row = {
        {"k", k}, {"inertia", r.inertia}, {"iterations", r.iterations}};
    row["silhouette"] = sil.ok() ? nlohmann::json(*sil) : nlohmann::json();
    report.push_back(row);
    std::fprintf(stderr, "k=%d inertia %.2f silhouette %s\n", k, r.inertia,
                 sil.ok() ? absl::StrFormat("%.4f", *sil).c_str() : "n/a");
    if (k_fixed == 0 && sil.ok() && *sil > best_silhouette) {
      best_silhouette = *sil;
      best_k = k;
      chosen = std::move(r);
    } else if (k == k_fixed) {
      chosen = std::move(r);
    }
  }
  if (!chosen) {  // k outside the report range, or no silhouette at all
    km.k = best_k > 0 ? best_k : std::min<int>(k_min, static_cast<int>(n));
    TAILOR_ASSIGN_OR_RETURN(KMeansResult r, RunKMeans(f.values, f.dim, km));
    chosen = std::move(r);
  }
  const KMeansResult& r = *chosen;
  std::vector<std::string> km_names;
  std::vector<int32_t> km_labels(p.size(), -1);
  for (int64_t row = 0; row < n; ++row) km_labels[f.users[row]] = r.labels[row];
  for (int c = 0; c < r.k; ++c) {
    km_names.push_back(
        absl::StrCat("K", c, ": ", Traits(f, r.centroids.data() + c * f.dim)));
  }
  const int top = absl::GetFlag(FLAGS_segment_top);
  const CsrMatrix& m = d.user_major.matrix;
  std::vector<SegmentDescription> km_desc =
      DescribeSegments(km_labels, km_names, p, m, top);
  for (int c = 0; c < r.k; ++c) {
    const std::vector<double> original =
        f.ToOriginalUnits(r.centroids.data() + c * f.dim);
    for (int j = 0; j < f.dim; ++j) {
      km_desc[c].centroid.push_back({f.names[j], original[j]});
    }
  }
  std::vector<std::string> rfm_names;
  for (int s = 0; s < kRfmSegmentCount; ++s) {
    rfm_names.emplace_back(RfmSegmentName(static_cast<RfmSegment>(s)));
  }
  std::vector<int32_t> rfm_labels(p.size());
  for (int64_t u = 0; u < p.size(); ++u) {
    rfm_labels[u] = static_cast<int32_t>(p.rfm_segment[u]);
  }
  std::vector<SegmentDescription> rfm_desc =
      DescribeSegments(rfm_labels, rfm_names, p, m, top);
  const double prior = absl::GetFlag(FLAGS_segment_affinity_prior);
  const EntityColumns& items = d.dataset->items();
  TAILOR_RETURN_IF_ERROR(fs->CreateDirs(output));
  SegmentAssignments a;
  a.user_keys = p.keys;
  a.kmeans = km_labels;
  a.rfm = rfm_labels;
  a.kmeans_names = km_names;
  const std::string assignments = JoinPath(output, "assignments.tsa");
  const std::string aff_km = JoinPath(output, "item_affinity_kmeans.tia");
  const std::string aff_rfm = JoinPath(output, "item_affinity_rfm.tia");
  TAILOR_RETURN_IF_ERROR(WriteSegmentAssignments(fs, assignments, a));
  TAILOR_RETURN_IF_ERROR(WriteItemAffinity(
      fs, aff_km, ComputeItemAffinity(km_labels, r.k, m, prior), items.keys));
  TAILOR_RETURN_IF_ERROR(WriteItemAffinity(
      fs, aff_rfm, ComputeItemAffinity(rfm_labels, kRfmSegmentCount, m, prior),
      items.keys));
  std::string csv;
  AppendCsvRow({"user_id", "key", "kmeans_segment", "kmeans_name",
                "rfm_segment", "lifecycle"},
               &csv);
  for (int64_t u = 0; u < p.size(); ++u) {
    AppendCsvRow({p.external_ids[u], absl::StrFormat("%016x", p.keys[u]),
                  absl::StrCat(km_labels[u]),
                  km_labels[u] >= 0 ? km_names[km_labels[u]] : "",
                  rfm_names[rfm_labels[u]],
                  std::string(LifecycleStageName(p.lifecycle[u]))},
                 &csv);
  }
  const std::string csv_path = JoinPath(output, "segments.csv");
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, csv_path, csv));
  nlohmann::json km_json = nlohmann::json::array(),
                 rfm_json = nlohmann::json::array();
  for (const auto& s : km_desc) km_json.push_back(DescriptionJson(s, items));
  for (const auto& s : rfm_desc) {
    if (s.size > 0) rfm_json.push_back(DescriptionJson(s, items));
  }
  nlohmann::json doc = {
      {"dataset", dataset},
      {"users", p.size()},
      {"users_clustered", n},
      {"features", f.names},
      {"kmeans",
       {{"k", r.k},
        {"k_chosen_by", k_fixed > 0 ? "--segment_k" : "best silhouette"},
        {"restarts", km.restarts},
        {"seed", km.seed},
        {"inertia", r.inertia},
        {"iterations", r.iterations},
        {"k_report", report},
        {"segments", km_json}}},
      {"rfm", {{"segments", rfm_json}}},
      {"affinity_prior_events", prior},
  };
  const std::string json_path = JoinPath(output, "segments.json");
  TAILOR_RETURN_IF_ERROR(WriteStringToFile(fs, json_path, doc.dump(2) + "\n"));
  const std::string html = absl::GetFlag(FLAGS_html);
  if (!html.empty()) {
    std::vector<ReportSection> sections = ProfileReportSections(p);
    std::vector<std::pair<std::string, double>> sil_bars;
    for (const auto& row : report) {
      if (!row["silhouette"].is_null()) {
        sil_bars.push_back({absl::StrCat("k = ", row["k"].get<int>()),
                            row["silhouette"].get<double>()});
      }
    }
    sections.push_back(
        {"K-means: silhouette by k",
         SvgBarChart("Mean silhouette (higher is better)", sil_bars, 3)});
    for (auto& s : SegmentReportSections("K-means", km_desc, items)) {
      sections.push_back(std::move(s));
    }
    for (auto& s : SegmentReportSections("RFM", rfm_desc, items)) {
      sections.push_back(std::move(s));
    }
    TAILOR_RETURN_IF_ERROR(WriteStringToFile(
        fs, html, HtmlPage(absl::StrCat("Segments of ", dataset), sections)));
  }
  nlohmann::json out = {
      {"command", "segment"},
      {"dataset", dataset},
      {"output", output},
      {"users", p.size()},
      {"users_clustered", n},
      {"k", r.k},
      {"inertia", r.inertia},
      {"k_report", report},
      {"kmeans_sizes", nlohmann::json::array()},
      {"rfm_sizes", nlohmann::json::object()},
      {"files", {assignments, aff_km, aff_rfm, csv_path, json_path}},
      {"seconds", absl::ToDoubleSeconds(absl::Now() - start)},
  };
  for (const auto& s : km_desc)
    out["kmeans_sizes"].push_back({{s.name, s.size}});
  for (const auto& s : rfm_desc) {
    if (s.size > 0) out["rfm_sizes"][s.name] = s.size;
  }
  if (!html.empty()) out["html"] = html;
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "%lld users segmented (%lld clustered) into %d K-means "
        "segments; written to %s\n",
        static_cast<long long>(p.size()), static_cast<long long>(n), r.k,
        output.c_str());
    for (const auto& s : km_desc) {
      std::printf("  %-40s %lld\n", s.name.c_str(),
                  static_cast<long long>(s.size));
    }
    for (const auto& s : rfm_desc) {
      if (s.size > 0) {
        std::printf("  RFM %-36s %lld\n", s.name.c_str(),
                    static_cast<long long>(s.size));
      }
    }
  }
  return absl::OkStatus();
}

int RunSegment() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor segment: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command SegmentCommand() {
  Command c;
  c.name = "segment";
  c.summary =
      "K-means and RFM segments of a dataset's users with descriptions, a k "
      "report (inertia, silhouette) and per-segment item affinity.";
  c.flags_file = __FILE__;
  c.shared_flags = ProfileFlagNames();
  for (const char* name : {"dataset", "output", "json", "threads", "seed"}) {
    c.shared_flags.push_back(name);
  }
  c.run = &RunSegment;
  return c;
}

}  // namespace tailor
