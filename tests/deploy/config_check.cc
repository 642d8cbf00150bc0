// config_check: validates the configuration files the Kubernetes manifests
// ship in ConfigMaps with the parsers the binaries use, and prints what the
// manifest test cross-checks.
//
//   config_check --job_spec=job.textproto --labels=labels.json \
//       --experiments=experiments.json
//
// The job spec is parsed as text-format tailor.v1.JobSpec (as
// tailor_coordinator does) and printed as one JSON line
// {"job_spec": {...}} (proto3 JSON names); the labels and experiments files
// are parsed by ranker/engine's LabelsConfig / ExperimentsConfig (as
// tailor_ranker does) and summarized as {"labels": {model: {label: version}}}
// and {"experiments": [{"name", "model", "arms": [...]}]}. Exit 0 when every
// given file is valid; 1 with the parser's message on stderr otherwise.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/file_system.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "ranker/engine/experiments_config.h"
#include "ranker/engine/labels_config.h"
#include "tailor/v1/job.pb.h"

ABSL_FLAG(std::string, job_spec, "", "Text-format tailor.v1.JobSpec file.");
ABSL_FLAG(std::string, labels, "", "Ranker labels config (JSON).");
ABSL_FLAG(std::string, experiments, "", "Ranker experiments config (JSON).");

namespace tailor {
namespace {

absl::StatusOr<nlohmann::json> CheckJobSpec(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(PosixFileSystem(), path);
  if (!text.ok()) return text.status();
  tailor::v1::JobSpec spec;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &spec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": not a text-format tailor.v1.JobSpec (the parser's message "
        "is above)"));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(spec, &json, options).ok()) {
    return absl::InternalError(absl::StrCat(path, ": cannot print as JSON"));
  }
  return nlohmann::json::parse(json);
}

absl::StatusOr<nlohmann::json> CheckLabels(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(PosixFileSystem(), path);
  if (!text.ok()) return text.status();
  absl::StatusOr<ranker::LabelsConfig> config =
      ranker::LabelsConfig::Parse(*text, path);
  if (!config.ok()) return config.status();
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [model, labels] : config->models()) {
    for (const auto& [label, version] : labels) out[model][label] = version;
  }
  return out;
}

absl::StatusOr<nlohmann::json> CheckExperiments(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(PosixFileSystem(), path);
  if (!text.ok()) return text.status();
  absl::StatusOr<ranker::ExperimentsConfig> config =
      ranker::ExperimentsConfig::Parse(*text, path);
  if (!config.ok()) return config.status();
  nlohmann::json out = nlohmann::json::array();
  for (const ranker::Experiment& e : config->experiments()) {
    nlohmann::json arms = nlohmann::json::array();
    for (const ranker::ExperimentArm& a : e.arms) {
      nlohmann::json arm = {{"name", a.name}, {"label", a.label}};
      arm["version"] = a.version.has_value() ? nlohmann::json(*a.version)
                                             : nlohmann::json(nullptr);
      arms.push_back(arm);
    }
    out.push_back({{"name", e.name}, {"model", e.model}, {"arms", arms}});
  }
  return out;
}

int Run() {
  struct Check {
    const char* key;
    std::string path;
    absl::StatusOr<nlohmann::json> (*run)(const std::string&);
  };
  const std::vector<Check> checks = {
      {"job_spec", absl::GetFlag(FLAGS_job_spec), CheckJobSpec},
      {"labels", absl::GetFlag(FLAGS_labels), CheckLabels},
      {"experiments", absl::GetFlag(FLAGS_experiments), CheckExperiments},
  };
  int failures = 0;
  for (const Check& c : checks) {
    if (c.path.empty()) continue;
    absl::StatusOr<nlohmann::json> result = c.run(c.path);
    if (!result.ok()) {
      std::fprintf(stderr, "config_check: --%s: %s\n", c.key,
                   result.status().ToString().c_str());
      ++failures;
      continue;
    }
    std::printf("%s\n", nlohmann::json({{c.key, *result}}).dump().c_str());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "config_check: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return tailor::Run();
}
