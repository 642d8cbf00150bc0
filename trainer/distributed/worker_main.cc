// tailor_worker: one distributed training worker (docs/distributed.md).
//
//   tailor_worker --coordinator=127.0.0.1:5000 --worker_index=0 --threads=1
//
// Gets the job spec and the parameter-server addresses from the
// coordinator; exits 0 when the coordinator says the job is done, 1 with a
// message on stderr when it cannot continue.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "core/security/security_flags.h"
#include "parameter_server/ps_client.h"
#include "trainer/distributed/coordinator_client.h"
#include "trainer/distributed/worker.h"

ABSL_FLAG(std::string, coordinator, "",
          "Required. The coordinator's host:port.");
ABSL_FLAG(int, worker_index, -1,
          "Worker slot to ask for (a restarted worker passes its old one); "
          "-1: any free slot.");
ABSL_FLAG(int, threads, 1, "Threads for the solves (OpenMP).");
ABSL_FLAG(int, coordinator_wait_ms, 120000,
          "How long the coordinator may be unreachable before the worker "
          "gives up (exit 1).");
ABSL_FLAG(int, rpc_timeout_ms, 10000,
          "Deadline of each coordinator RPC attempt, in ms.");
ABSL_FLAG(int, ps_rpc_timeout_ms, 30000,
          "Deadline of each parameter-server data call attempt, in ms (5 "
          "attempts with backoff; docs/netfault.md).");

namespace tailor::distributed {
namespace {

bool IsHelpArg(const char* arg) {
  return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0 ||
         std::strcmp(arg, "-help") == 0 || std::strcmp(arg, "--helpfull") == 0;
}

void PrintHelp() {
  std::printf(
      "tailor_worker: a distributed Tailor training worker.\n\nusage: "
      "tailor_worker --coordinator=HOST:PORT [--flag=value ...]\n\nflags:\n");
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), "worker_main.cc") ||
        security::IsSecurityFlag(*flag)) {
      flags.push_back(flag);
    }
  }
  std::sort(flags.begin(), flags.end(),
            [](auto* a, auto* b) { return a->Name() < b->Name(); });
  for (const absl::CommandLineFlag* f : flags) {
    std::printf("  --%s (default: \"%s\")\n      %s\n",
                std::string(f->Name()).c_str(), f->DefaultValue().c_str(),
                f->Help().c_str());
  }
}

int Run() {
  GrpcCoordinatorClientOptions co;
  co.address = absl::GetFlag(FLAGS_coordinator);
  co.timeout_ms = std::max(1, absl::GetFlag(FLAGS_rpc_timeout_ms));
  if (co.address.empty()) {
    std::fprintf(stderr,
                 "tailor_worker: --coordinator=HOST:PORT is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_threads) < 1) {
    std::fprintf(stderr, "tailor_worker: --threads must be >= 1\n");
    return 2;
  }
  // The worker's certificate is used on its coordinator and shard channels.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      security::ChannelCredentialsFromFlags("tailor_worker");
  if (!credentials.ok()) {
    std::fprintf(stderr, "tailor_worker: refusing to start: %s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }
  co.credentials = *credentials;
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
      NewGrpcCoordinatorClient(co);
  if (!client.ok()) {
    std::fprintf(stderr, "tailor_worker: %s\n",
                 client.status().ToString().c_str());
    return 2;
  }
  WorkerOptions options;
  options.requested_worker_index = absl::GetFlag(FLAGS_worker_index);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.coordinator_wait_ms =
      std::max(1, absl::GetFlag(FLAGS_coordinator_wait_ms));
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) options.hostname = host;
  const int64_t ps_timeout_ms =
      std::max(1, absl::GetFlag(FLAGS_ps_rpc_timeout_ms));
  options.ps_factory = [ps_timeout_ms,
                        creds = *credentials](const PsClientOptions& o) {
    PsClientOptions with_timeout = o;
    with_timeout.timeout_ms = ps_timeout_ms;
    with_timeout.credentials = creds;
    return PsClient::Create(with_timeout);
  };
  Worker worker(options, client->get());
  absl::Status status = worker.Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tailor_worker: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace tailor::distributed

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (tailor::distributed::IsHelpArg(argv[i])) {
      tailor::distributed::PrintHelp();
      return 0;
    }
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "tailor_worker: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return tailor::distributed::Run();
}
