#include "tools/tailor/loadgen_command.h"

#include <unistd.h>

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
#include "core/raw_call.h"
#include "core/security/security_flags.h"
#include "core/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "ranker/server/load_generator.h"
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
ABSL_FLAG(std::string, loadgen_publish_from, "",
          "Swap measurement: a complete model version directory that is "
          "renamed to --loadgen_publish_to (publishing it) at "
          "--loadgen_publish_at_s into the run; the report then compares "
          "latency in --loadgen_swap_window_s from the publish with the same "
          "length of time just before it.");
ABSL_FLAG(std::string, loadgen_publish_to, "",
          "Swap measurement: <model_base>/<model>/<version> to publish to.");
ABSL_FLAG(double, loadgen_publish_at_s, 10,
          "Swap measurement: seconds into the run when the version is "
          "published.");
ABSL_FLAG(double, loadgen_swap_window_s, 10,
          "Swap measurement: length of the compared windows, in seconds.");
ABSL_FLAG(int, loadgen_server_pid, 0,
          "If set, the server's CPU time (utime + stime from /proc/PID/stat) "
          "over the run is reported, per request too.");
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

// utime + stime of process `pid` in seconds, from /proc/PID/stat.
absl::StatusOr<double> ProcessCpuSeconds(int pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  TAILOR_ASSIGN_OR_RETURN(std::string stat,
                          ReadFileToString(PosixFileSystem(), path));
  // Fields after the command name (which may hold spaces) in parentheses.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return absl::DataLossError(absl::StrCat(path, ": no ')' in the line"));
  }
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
  // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::DataLossError(absl::StrCat(path, ": no utime/stime fields"));
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
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
  TAILOR_ASSIGN_OR_RETURN(
      std::shared_ptr<grpc::ChannelCredentials> creds,
      security::ChannelCredentialsFromFlags("tailor loadgen"));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < num_channels; ++i) {
    grpc::ChannelArguments args;
    // A private subchannel pool gives each channel its own connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("tailor.loadgen.channel", i);
    channels.push_back(grpc::CreateCustomChannel(target, creds, args));
  }
  const double wait_s = absl::GetFlag(FLAGS_loadgen_wait_serving_s);
  if (wait_s > 0) {
    const absl::Time give_up = absl::Now() + absl::Seconds(wait_s);
    absl::StatusOr<bool> serving = false;
    while (true) {
      serving = CheckServing(channels[0].get(), "", absl::Seconds(2));
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
  const std::string publish_from = absl::GetFlag(FLAGS_loadgen_publish_from);
  const std::string publish_to = absl::GetFlag(FLAGS_loadgen_publish_to);
  if (publish_from.empty() != publish_to.empty()) {
    return absl::InvalidArgumentError(
        "--loadgen_publish_from and --loadgen_publish_to go together");
  }
  absl::Status published = absl::OkStatus();
  absl::Time published_at;
  if (!publish_from.empty()) {
    const double at_s = absl::GetFlag(FLAGS_loadgen_publish_at_s);
    const double window_s = absl::GetFlag(FLAGS_loadgen_swap_window_s);
    if (!(at_s >= 0) || !(window_s > 0)) {
      return absl::InvalidArgumentError(
          "--loadgen_publish_at_s must be >= 0 and --loadgen_swap_window_s "
          "> 0");
    }
    options.event_at = absl::Seconds(at_s);
    options.event_window = absl::Seconds(window_s);
    options.event = [&] {
      published_at = absl::Now();
      published = PosixFileSystem()->Rename(publish_from, publish_to);
      std::fprintf(stderr, "tailor loadgen: published %s -> %s: %s\n",
                   publish_from.c_str(), publish_to.c_str(),
                   published.ToString().c_str());
    };
  }
  const int server_pid = absl::GetFlag(FLAGS_loadgen_server_pid);
  double cpu_before = 0;
  if (server_pid > 0) {
    TAILOR_ASSIGN_OR_RETURN(cpu_before, ProcessCpuSeconds(server_pid));
  }
  TAILOR_ASSIGN_OR_RETURN(ranker::LoadReport report,
                          ranker::RunLoad(options, channels));
  double server_cpu_s = 0;
  if (server_pid > 0) {
    TAILOR_ASSIGN_OR_RETURN(double cpu_after, ProcessCpuSeconds(server_pid));
    server_cpu_s = cpu_after - cpu_before;
  }
  TAILOR_RETURN_IF_ERROR(published);

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
  double load1 = 0;
  if (absl::StatusOr<std::string> loadavg =
          ReadFileToString(PosixFileSystem(), "/proc/loadavg");
      loadavg.ok()) {
    std::vector<std::string> f = absl::StrSplit(*loadavg, ' ');
    if (!f.empty() && !absl::SimpleAtod(f[0], &load1)) load1 = 0;
  }
  out["load_average_1m_at_end"] = load1;
  if (server_pid > 0) {
    out["server_cpu_s"] = server_cpu_s;
    out["server_cpu_ms_per_request"] =
        report.sent > 0 ? 1e3 * server_cpu_s / static_cast<double>(report.sent)
                        : 0.0;
  }
  if (report.has_event) {
    const double steady = report.latency_before_event.p99_ms;
    const double swap = report.latency_event_window.p99_ms;
    out["swap"] = {
        {"published", publish_to},
        {"window_s", absl::ToDoubleSeconds(options.event_window)},
        {"steady", LatencyJson(report.latency_before_event)},
        {"window", LatencyJson(report.latency_event_window)},
        {"failed_steady", report.failed_before_event},
        {"failed_window", report.failed_in_event_window},
        {"p99_ratio", steady > 0 ? swap / steady : 0.0},
    };
  }
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
    if (server_pid > 0) {
      std::printf("server CPU %.3f s, %.4f ms per request (load %.2f)\n",
                  server_cpu_s, out["server_cpu_ms_per_request"].get<double>(),
                  load1);
    }
    if (report.has_event) {
      std::printf(
          "swap: p99 %.3f ms in the %.1f s from the publish vs %.3f ms "
          "before (ratio %.2f); failed %lld in the window, %lld before\n",
          report.latency_event_window.p99_ms,
          absl::ToDoubleSeconds(options.event_window),
          report.latency_before_event.p99_ms,
          out["swap"]["p99_ratio"].get<double>(),
          static_cast<long long>(report.failed_in_event_window),
          static_cast<long long>(report.failed_before_event));
    }
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
  for (std::string& n : security::ClientSecurityFlagNames()) {
    c.shared_flags.push_back(std::move(n));
  }
  c.run = &RunLoadgen;
  return c;
}

}  // namespace tailor
