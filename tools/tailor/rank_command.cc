#include "tools/tailor/rank_command.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/dataset/dataset.h"
#include "core/file_system.h"
#include "core/grpc_status.h"
#include "core/security/security_flags.h"
#include "core/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tailor/v1/ranker.grpc.pb.h"
#include "tools/tailor/common_flags.h"

ABSL_FLAG(std::string, rank_server, "", "Ranker address host:port.");
ABSL_FLAG(std::string, rank_model, "", "Model name.");
ABSL_FLAG(int64_t, rank_version, 0, "Model version (0: label or default).");
ABSL_FLAG(std::string, rank_label, "", "Version label, e.g. stable.");
ABSL_FLAG(std::string, rank_user_id, "",
          "External user id; empty for a new or anonymous user.");
ABSL_FLAG(std::string, rank_recent, "",
          "Recent interactions, comma-separated item_id or item_id:weight.");
ABSL_FLAG(std::string, rank_country, "", "Context: country code.");
ABSL_FLAG(std::string, rank_device, "", "Context: device class.");
ABSL_FLAG(std::string, rank_channel, "", "Context: channel.");
ABSL_FLAG(int64_t, rank_timestamp_ms, 0,
          "Context: request time, ms since the epoch (0: server time).");
ABSL_FLAG(int32_t, rank_count, 10, "Items to return, 1..1000.");
ABSL_FLAG(bool, rank_exclude_seen, true,
          "Exclude items the user already interacted with.");
ABSL_FLAG(double, rank_diversity, 0.0, "Diversity strength in [0, 1].");
ABSL_FLAG(std::string, rank_unit_id, "", "Experiment unit id.");
ABSL_FLAG(int32_t, rank_deadline_ms, 2000, "RPC deadline in milliseconds.");
ABSL_FLAG(std::string, rank_show_attribute, "",
          "Item attribute printed beside each item (with --dataset); empty = "
          "description, title or name, whichever exists.");

namespace tailor {
namespace {

using tailor::v1::RankRequest;
using tailor::v1::RankResponse;

absl::StatusOr<RankRequest> BuildRequest() {
  RankRequest request;
  request.set_model_name(absl::GetFlag(FLAGS_rank_model));
  if (absl::GetFlag(FLAGS_rank_version) > 0) {
    request.set_version(absl::GetFlag(FLAGS_rank_version));
  } else if (!absl::GetFlag(FLAGS_rank_label).empty()) {
    request.set_version_label(absl::GetFlag(FLAGS_rank_label));
  }
  if (!absl::GetFlag(FLAGS_rank_user_id).empty()) {
    request.set_user_id(absl::GetFlag(FLAGS_rank_user_id));
  }
  for (absl::string_view entry : absl::StrSplit(
           absl::GetFlag(FLAGS_rank_recent), ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    auto* recent = request.add_recent_interactions();
    recent->set_item_id(std::string(parts[0]));
    if (parts.size() > 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--rank_recent: '%s' is not item_id or item_id:weight", entry));
    }
    if (parts.size() == 2) {
      float weight = 0;
      if (!absl::SimpleAtof(parts[1], &weight) || !std::isfinite(weight) ||
          weight <= 0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--rank_recent: weight '%s' of item '%s' is not a positive number",
            parts[1], parts[0]));
      }
      recent->set_weight(weight);
    }
  }
  auto* context = request.mutable_context();
  context->set_country(absl::GetFlag(FLAGS_rank_country));
  context->set_device(absl::GetFlag(FLAGS_rank_device));
  context->set_channel(absl::GetFlag(FLAGS_rank_channel));
  context->set_timestamp_unix_ms(absl::GetFlag(FLAGS_rank_timestamp_ms));
  request.set_count(static_cast<uint32_t>(absl::GetFlag(FLAGS_rank_count)));
  request.mutable_filters()->set_exclude_seen(
      absl::GetFlag(FLAGS_rank_exclude_seen));
  request.set_diversity(
      static_cast<float>(absl::GetFlag(FLAGS_rank_diversity)));
  request.set_unit_id(absl::GetFlag(FLAGS_rank_unit_id));
  request.set_explain(true);
  return request;
}

// The attribute shown beside each item, or "" when there is no catalogue.
class Catalogue {
 public:
  absl::Status Load(const std::string& dataset_dir) {
    if (dataset_dir.empty()) return absl::OkStatus();
    TAILOR_ASSIGN_OR_RETURN(dataset_,
                            Dataset::Open(PosixFileSystem(), dataset_dir));
    const std::vector<std::string>& names = dataset_->items().attribute_names;
    std::vector<std::string> wanted = {"description", "title", "name"};
    if (!absl::GetFlag(FLAGS_rank_show_attribute).empty()) {
      wanted = {absl::GetFlag(FLAGS_rank_show_attribute)};
    }
    for (const std::string& want : wanted) {
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == want) {
          column_ = static_cast<int>(i);
          return absl::OkStatus();
        }
      }
    }
    if (!absl::GetFlag(FLAGS_rank_show_attribute).empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--rank_show_attribute: items of %s have no attribute '%s'",
          dataset_dir, wanted[0]));
    }
    return absl::OkStatus();
  }

  std::string Describe(uint64_t key) const {
    if (dataset_ == nullptr || column_ < 0) return "";
    const int64_t row = dataset_->items().Find(key);
    if (row < 0) return "";
    return dataset_->items().attributes[row][column_];
  }

 private:
  std::unique_ptr<Dataset> dataset_;
  int column_ = -1;
};

absl::Status Run() {
  const std::string server = absl::GetFlag(FLAGS_rank_server);
  if (server.empty()) {
    return absl::InvalidArgumentError("--rank_server is required");
  }
  if (absl::GetFlag(FLAGS_rank_model).empty()) {
    return absl::InvalidArgumentError("--rank_model is required");
  }
  if (absl::GetFlag(FLAGS_rank_deadline_ms) <= 0) {
    return absl::InvalidArgumentError("--rank_deadline_ms must be positive");
  }
  TAILOR_ASSIGN_OR_RETURN(RankRequest request, BuildRequest());
  Catalogue catalogue;
  TAILOR_RETURN_IF_ERROR(catalogue.Load(absl::GetFlag(FLAGS_dataset)));

  TAILOR_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds,
                          security::ChannelCredentialsFromFlags("tailor rank"));
  auto channel = grpc::CreateChannel(server, creds);
  auto stub = tailor::v1::Ranker::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::GetFlag(FLAGS_rank_deadline_ms)));
  RankResponse response;
  const grpc::Status status = stub->Rank(&context, request, &response);
  if (!status.ok()) {
    absl::Status error = FromGrpcStatus(status);
    return absl::Status(error.code(), absl::StrFormat("Rank at %s: %s", server,
                                                      error.message()));
  }

  std::fprintf(stderr, "model %s version %lld%s%s, segment '%s'%s, %d items\n",
               response.model_name().c_str(),
               static_cast<long long>(response.model_version()),
               response.version_label().empty()
                   ? ""
                   : (" label " + response.version_label()).c_str(),
               response.experiment_arm().empty()
                   ? ""
                   : (" arm " + response.experiment_arm()).c_str(),
               response.user_segment().c_str(),
               response.cold_start() ? ", cold start" : "",
               response.items_size());
  // The server's stage times ("tailor-trace" trailing metadata).
  std::string trace;
  for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
    if (key == "tailor-trace") trace.assign(value.data(), value.size());
  }
  if (!trace.empty()) std::fprintf(stderr, "server trace: %s\n", trace.c_str());
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < response.items_size(); ++i) {
    const auto& item = response.items(i);
    const std::string description = catalogue.Describe(item.item_key());
    const auto& c = item.components();
    std::fprintf(stderr,
                 "%3d  %-12s %8.4f  %-22s cf=%.3f content=%.3f segment=%.3f "
                 "context=%.3f pop=%.3f  %s\n",
                 i + 1, item.item_id().c_str(), item.score(),
                 tailor::v1::ReasonCode_Name(item.reason()).c_str(), c.cf(),
                 c.content(), c.segment(), c.context(), c.popularity(),
                 description.c_str());
    items.push_back({{"item_id", item.item_id()},
                     {"score", item.score()},
                     {"reason", tailor::v1::ReasonCode_Name(item.reason())},
                     {"description", description}});
  }
  if (absl::GetFlag(FLAGS_json)) {
    nlohmann::json out = {{"model_name", response.model_name()},
                          {"model_version", response.model_version()},
                          {"version_label", response.version_label()},
                          {"experiment_arm", response.experiment_arm()},
                          {"user_segment", response.user_segment()},
                          {"cold_start", response.cold_start()},
                          {"server_trace", trace},
                          {"items", items}};
    std::printf("%s\n", out.dump().c_str());
  }
  return absl::OkStatus();
}

int RunAndReport() {
  const absl::Status status = Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor rank: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

std::vector<std::string> WithClientSecurityFlags(
    std::vector<std::string> names) {
  for (std::string& n : security::ClientSecurityFlagNames()) {
    names.push_back(std::move(n));
  }
  return names;
}

}  // namespace

Command RankCommand() {
  return {
      "rank",
      "Send one Rank request to a running tailor_ranker and print the items.",
      __FILE__, WithClientSecurityFlags({"json", "dataset"}), &RunAndReport};
}

}  // namespace tailor
