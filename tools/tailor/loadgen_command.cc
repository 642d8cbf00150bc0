#include "tools/tailor/loadgen_command.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "ranker/server/load_generator.h"
#include "ranker/server/raw_call.h"
#include "tools/tailor/common_flags.h"

ABSL_FLAG(std::string, loadgen_target, "",
          "Ranker address host:port (or use --loadgen_port_file).");
ABSL_FLAG(std::string, loadgen_port_file, "",
          "File with the ranker's port (tailor_ranker --port_file); the host "
          "is 127.0.0.1.");
ABSL_FLAG(std::string, loadgen_model, "", "Model name sent in every request.");
ABSL_FLAG(std::string, loadgen_mode, "closed",
          "open: requests start at --loadgen_rate per second; closed: "
          "--loadgen_concurrency callers each wait for their answer.");
ABSL_FLAG(double, loadgen_rate, 1000, "Open loop: requests per second.");
ABSL_FLAG(int, loadgen_concurrency, 8, "Closed loop: concurrent callers.");
ABSL_FLAG(double, loadgen_duration_s, 10,
          "Run length in seconds (0: bounded by --loadgen_requests only).");
ABSL_FLAG(int64_t, loadgen_requests, 0,
          "Stop after this many requests (0: bounded by duration only).");
ABSL_FLAG(int, loadgen_timeout_ms, 1000, "Deadline of each Rank call.");
ABSL_FLAG(int, loadgen_channels, 2,
          "gRPC channels (separate connections) the calls are spread over.");
ABSL_FLAG(std::string, loadgen_mix, "known=0.6,folded=0.3,anonymous=0.1",
          "Relative weights of known users, new users folded in from recent "
          "interactions, and anonymous visitors.");
ABSL_FLAG(std::string, loadgen_user_ids, "",
          "Known user ids, comma-separated (else taken from --dataset).");
ABSL_FLAG(std::string, loadgen_item_ids, "",
          "Item ids for recent interactions, comma-separated (else taken "
          "from --dataset).");
ABSL_FLAG(int, loadgen_max_ids, 10000,
          "At most this many user and item ids are read from --dataset.");
ABSL_FLAG(int, loadgen_recent, 5, "Recent interactions per folded-in request.");
ABSL_FLAG(int, loadgen_count, 100, "Items per request (1..1000).");
ABSL_FLAG(bool, loadgen_explain, false, "Ask for per-component scores.");
ABSL_FLAG(double, loadgen_diversity, 0, "Diversity strength in [0, 1].");
ABSL_FLAG(std::string, loadgen_countries, "GB,DE,FR,NL,ES",
          "Context countries drawn per request (empty: none).");
ABSL_FLAG(double, loadgen_wait_serving_s, 30,
          "Wait up to this long for the ranker's health to be SERVING "
          "before the run (0: do not wait).");

namespace tailor {
namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

absl::Status ParseMix(const std::string& text, ranker::RequestMix* mix) {
  mix->known_weight = mix->folded_weight = mix->anonymous_weight = 0;
  for (const std::string& part : SplitList(text)) {
    std::vector<std::string> kv = absl::StrSplit(part, '=');
    double w = 0;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &w)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--loadgen_mix: '", part, "' is not kind=weight"));
    }
    if (kv[0] == "known") {
      mix->known_weight = w;
    } else if (kv[0] == "folded") {
      mix->folded_weight = w;
    } else if (kv[0] == "anonymous") {
      mix->anonymous_weight = w;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--loadgen_mix: unknown kind '", kv[0],
                       "' (known, folded, anonymous)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Target() {
  const std::string target = absl::GetFlag(FLAGS_loadgen_target);
  const std::string port_file = absl::GetFlag(FLAGS_loadgen_port_file);
  if (!target.empty()) return target;
  if (port_file.empty()) {
    return absl::InvalidArgumentError(
        "--loadgen_target or --loadgen_port_file is required");
  }
  TAILOR_ASSIGN_OR_RETURN(const std::string text,
                          ReadFileToString(PosixFileSystem(), port_file));
  int port = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--loadgen_port_file: ", port_file, " holds no port number"));
  }
  return absl::StrCat("127.0.0.1:", port);
}

absl::Status FillIds(ranker::RequestMix* mix) {
  mix->known_user_ids = SplitList(absl::GetFlag(FLAGS_loadgen_user_ids));
  mix->item_ids = SplitList(absl::GetFlag(FLAGS_loadgen_item_ids));
  const std::string dataset_dir = absl::GetFlag(FLAGS_dataset);
  if (dataset_dir.empty()) return absl::OkStatus();
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<Dataset> dataset,
                          Dataset::Open(PosixFileSystem(), dataset_dir));
  const int64_t max_ids = std::max(absl::GetFlag(FLAGS_loadgen_max_ids), 1);
  auto take = [max_ids](const EntityColumns& columns,
                        std::vector<std::string>* out) {
    if (!out->empty()) return;
    // Evenly spaced rows, so the ids cover the whole key range.
    const int64_t n = columns.size();
    const int64_t k = std::min(n, max_ids);
    for (int64_t i = 0; i < k; ++i) {
      out->push_back(columns.external_ids[static_cast<size_t>(i * n / k)]);
    }
  };
  take(dataset->users(), &mix->known_user_ids);
  take(dataset->items(), &mix->item_ids);
  return absl::OkStatus();
}

nlohmann::json LatencyJson(const ranker::LatencySummary& s) {
  return {{"count", s.count},   {"mean_ms", s.mean_ms}, {"p50_ms", s.p50_ms},
          {"p90_ms", s.p90_ms}, {"p99_ms", s.p99_ms},   {"p999_ms", s.p999_ms},
          {"max_ms", s.max_ms}};
}

absl::Status Run() {
  TAILOR_ASSIGN_OR_RETURN(const std::string target, Target());
  ranker::LoadOptions options;
  const std::string mode = absl::GetFlag(FLAGS_loadgen_mode);
  if (mode == "open") {
    options.mode = ranker::LoadOptions::Mode::kOpenLoop;
  } else if (mode == "closed") {
    options.mode = ranker::LoadOptions::Mode::kClosedLoop;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--loadgen_mode: '", mode, "' is not open or closed"));
  }
  options.rate_per_s = absl::GetFlag(FLAGS_loadgen_rate);
  options.concurrency = absl::GetFlag(FLAGS_loadgen_concurrency);
  const double duration_s = absl::GetFlag(FLAGS_loadgen_duration_s);
  if (!(duration_s >= 0)) {
    return absl::InvalidArgumentError("--loadgen_duration_s must be >= 0");
  }
  options.duration = absl::Seconds(duration_s);
  options.max_requests = absl::GetFlag(FLAGS_loadgen_requests);
  options.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_loadgen_timeout_ms));
  options.seed = absl::GetFlag(FLAGS_seed);
  ranker::RequestMix& mix = options.mix;
  mix.model_name = absl::GetFlag(FLAGS_loadgen_model);
  if (mix.model_name.empty()) {
    return absl::InvalidArgumentError("--loadgen_model is required");
  }
  TAILOR_RETURN_IF_ERROR(ParseMix(absl::GetFlag(FLAGS_loadgen_mix), &mix));
  TAILOR_RETURN_IF_ERROR(FillIds(&mix));
  mix.recent_interactions = absl::GetFlag(FLAGS_loadgen_recent);
  const int count = absl::GetFlag(FLAGS_loadgen_count);
  if (count < 1 || count > 1000) {
    return absl::InvalidArgumentError("--loadgen_count must be in 1..1000");
  }
  mix.count = static_cast<uint32_t>(count);
  mix.explain = absl::GetFlag(FLAGS_loadgen_explain);
  mix.diversity = static_cast<float>(absl::GetFlag(FLAGS_loadgen_diversity));
  mix.countries = SplitList(absl::GetFlag(FLAGS_loadgen_countries));
  TAILOR_RETURN_IF_ERROR(ranker::ValidateMix(mix));

  const int num_channels = std::max(absl::GetFlag(FLAGS_loadgen_channels), 1);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < num_channels; ++i) {
    grpc::ChannelArguments args;
    // A private subchannel pool gives each channel its own connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("tailor.loadgen.channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  const double wait_s = absl::GetFlag(FLAGS_loadgen_wait_serving_s);
  if (wait_s > 0) {
    const absl::Time give_up = absl::Now() + absl::Seconds(wait_s);
    absl::StatusOr<bool> serving = false;
    while (true) {
      serving = ranker::CheckServing(channels[0].get(), "", absl::Seconds(2));
      if (serving.ok() && *serving) break;
      if (absl::Now() >= give_up) {
        return absl::UnavailableError(absl::StrCat(
            "the ranker at ", target, " was not SERVING after ", wait_s, " s (",
            serving.ok() ? "NOT_SERVING" : serving.status().ToString(), ")"));
      }
      // Polling a remote server: there is nothing local to wait on.
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  std::fprintf(stderr, "tailor loadgen: %s loop against %s, model %s\n",
               mode.c_str(), target.c_str(), mix.model_name.c_str());
  TAILOR_ASSIGN_OR_RETURN(ranker::LoadReport report,
                          ranker::RunLoad(options, channels));

  nlohmann::json errors = nlohmann::json::object();
  for (const auto& [code, n] : report.errors_by_code) errors[code] = n;
  nlohmann::json kinds = nlohmann::json::object();
  for (const auto& [kind, n] : report.sent_by_kind) kinds[kind] = n;
  nlohmann::json versions = nlohmann::json::object();
  for (const auto& [v, n] : report.ok_by_version) versions[absl::StrCat(v)] = n;
  nlohmann::json out = {
      {"target", target},
      {"mode", mode},
      {"model", mix.model_name},
      {"rate_per_s", mode == "open" ? options.rate_per_s : 0.0},
      {"concurrency", mode == "closed" ? options.concurrency : 0},
      {"count", mix.count},
      {"elapsed_s", absl::ToDoubleSeconds(report.elapsed)},
      {"sent", report.sent},
      {"ok", report.ok},
      {"skipped", report.skipped},
      {"errors_by_code", errors},
      {"sent_by_kind", kinds},
      {"cold_start", report.cold_start},
      {"empty_results", report.empty_results},
      {"ok_by_version", versions},
      {"qps", report.qps},
      {"ok_qps", report.ok_qps},
      {"latency", LatencyJson(report.latency)},
      {"latency_ok", LatencyJson(report.latency_ok)},
  };
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "sent %lld  ok %lld  skipped %lld  in %.2f s: %.1f req/s (%.1f ok/s)\n",
        static_cast<long long>(report.sent), static_cast<long long>(report.ok),
        static_cast<long long>(report.skipped),
        absl::ToDoubleSeconds(report.elapsed), report.qps, report.ok_qps);
    for (const auto& [code, n] : report.errors_by_code) {
      std::printf("  error %-20s %lld\n", code.c_str(),
                  static_cast<long long>(n));
    }
    const ranker::LatencySummary& l = report.latency;
    std::printf(
        "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  "
        "mean %.3f\n",
        l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms, l.mean_ms);
  }
  return absl::OkStatus();
}

int RunLoadgen() {
  absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor loadgen: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

Command LoadgenCommand() {
  Command c;
  c.name = "loadgen";
  c.summary =
      "Open- or closed-loop Rank load against tailor_ranker: QPS, errors by "
      "code, latency p50/p90/p99/p99.9.";
  c.flags_file = __FILE__;
  c.shared_flags = {"json", "seed", "dataset"};
  c.run = &RunLoadgen;
  return c;
}

}  // namespace tailor
