// Transport security end to end (docs/security.md): a private CA and role
// certificates from tools/certs/make_certs.sh; a training job (2 tailor_ps
// shards, a tailor_coordinator and a tailor_worker under the cluster
// supervisor) that runs entirely over mutual TLS; a tailor_ranker serving
// the exported model with mutual TLS optional and a bearer-token file; and
// the refusals: no identity -> UNAUTHENTICATED, a role the method is not
// open to -> PERMISSION_DENIED (a worker certificate cannot Checkpoint or
// Restore a shard), a certificate of another CA or a plaintext client ->
// no connection (UNAVAILABLE), and servers started with neither TLS flags
// nor --insecure refuse to start.

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/dataset/dataset_writer.h"
#include "core/file_system.h"
#include "core/key_hash.h"
#include "core/security/tls_options.h"
#include "core/status_macros.h"
#include "core/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_client.h"
#include "tailor/v1/ranker.grpc.pb.h"
#include "tools/cluster/cluster_runner.h"
#include "tools/cluster/supervisor.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

constexpr char kMakeCerts[] = "tools/certs/make_certs.sh";
constexpr char kPs[] = "parameter_server/tailor_ps";
constexpr char kCoordinator[] = "trainer/distributed/tailor_coordinator";
constexpr char kWorker[] = "trainer/distributed/tailor_worker";
constexpr char kRanker[] = "ranker/tailor_ranker";
constexpr char kToken[] = "shop-frontend-token-0123456789";

std::string TestDir(const std::string& name) {
  const char* tmp = getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
}

// Runs a shell command; returns its exit code and merged output.
std::pair<int, std::string> RunShell(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// Users in 4 groups, each mostly interacting with its group's items.
absl::Status WriteDataset(const std::string& dir) {
  DatasetWriterOptions options;
  options.fs = PosixFileSystem();
  options.output_dir = dir;
  options.target_partition_entries = 2048;
  TAILOR_ASSIGN_OR_RETURN(std::unique_ptr<DatasetWriter> writer,
                          DatasetWriter::Create(options));
  const KeyHasher hasher = KeyHasher::Public();
  std::mt19937_64 rng(11);
  constexpr int kUsers = 240, kItems = 80, kGroups = 4, kPerUser = 12;
  int64_t lines = 0;
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = absl::StrCat("user", u);
    TAILOR_ASSIGN_OR_RETURN(uint32_t uo,
                            writer->users().Intern(hasher.UserKey(user), user));
    std::set<int> seen;
    while (static_cast<int>(seen.size()) < kPerUser) {
      const int group =
          rng() % 5 == 0 ? static_cast<int>(rng() % kGroups) : u % kGroups;
      const int item = group * (kItems / kGroups) +
                       static_cast<int>(rng() % (kItems / kGroups));
      if (!seen.insert(item).second) continue;
      const std::string id = absl::StrCat("item", item);
      TAILOR_ASSIGN_OR_RETURN(uint32_t io,
                              writer->items().Intern(hasher.ItemKey(id), id));
      TAILOR_RETURN_IF_ERROR(writer->Add(
          uo, io, group == u % kGroups ? 5.0f : 1.0f, 1700000000 + lines, 0));
      ++lines;
    }
  }
  DatasetManifest manifest;
  manifest.lines_read = lines;
  manifest.accepted = lines;
  manifest.has_timestamps = true;
  return writer->Finish(manifest).status();
}

class MtlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new std::string(TestDir("certs"));
    rogue_ = new std::string(TestDir("rogue"));
    for (const std::string& cmd :
         {absl::StrCat(kMakeCerts, " ", *certs_),
          absl::StrCat(kMakeCerts, " ", *rogue_, " worker client")}) {
      auto [code, out] = RunShell(cmd);
      ASSERT_EQ(code, 0) << cmd << ": " << out;
    }
    std::ofstream(*certs_ + "/tokens.txt")
        << "# callers of Rank\nshop-frontend " << kToken << "\n";
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete rogue_;
  }

  // Channel credentials: `role` certificate of `dir` ("" for none), CA of
  // dir (or plaintext when `plaintext`).
  static std::shared_ptr<grpc::ChannelCredentials> Creds(
      const std::string& role, const std::string& dir = *certs_) {
    security::TlsOptions o;
    o.ca_file = *certs_ + "/ca.crt";
    if (!role.empty()) {
      o.cert_file = absl::StrCat(dir, "/", role, ".crt");
      o.key_file = absl::StrCat(dir, "/", role, ".key");
    }
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> c =
        security::MakeChannelCredentials(o, PosixFileSystem());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }
  static std::vector<std::string> TlsArgs(const std::string& role) {
    return {absl::StrCat("--tls_cert=", *certs_, "/", role, ".crt"),
            absl::StrCat("--tls_key=", *certs_, "/", role, ".key"),
            absl::StrCat("--tls_ca=", *certs_, "/ca.crt")};
  }

  static std::string* certs_;
  static std::string* rogue_;
};

std::string* MtlsTest::certs_ = nullptr;
std::string* MtlsTest::rogue_ = nullptr;

grpc::Status Rank(const std::shared_ptr<grpc::ChannelCredentials>& creds,
                  const std::string& address, const std::string& model,
                  const std::string& bearer, v1::RankResponse* response) {
  auto stub = v1::Ranker::NewStub(grpc::CreateChannel(address, creds));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  if (!bearer.empty()) context.AddMetadata("authorization", bearer);
  v1::RankRequest request;
  request.set_model_name(model);
  request.set_user_id("user3");
  request.set_count(5);
  return stub->Rank(&context, request, response);
}

TEST_F(MtlsTest, JobTrainsAndRankerServesOverMutualTls) {
  const std::string dir = TestDir("job");
  ASSERT_EQ(system(absl::StrCat("rm -rf ", dir).c_str()), 0);
  TAILOR_ASSERT_OK(WriteDataset(dir + "_data"));

  cluster::ClusterOptions options;
  options.binaries = {kPs, kCoordinator, kWorker};
  options.spec.set_dataset_dir(dir + "_data");
  options.spec.set_algorithm("ials");
  options.spec.set_factors(4);
  options.spec.set_iterations(2);
  options.work_dir = dir;
  options.shards = 2;
  options.workers = 1;
  options.export_name = "shop";
  options.tls_dir = *certs_;
  options.restart.max_restarts = 0;
  options.job_timeout = absl::Minutes(5);
  TAILOR_ASSERT_OK_AND_ASSIGN(auto runner,
                              cluster::ClusterRunner::Create(options));
  TAILOR_ASSERT_OK(runner->Start());
  TAILOR_ASSERT_OK_AND_ASSIGN(cluster::ClusterResult result, runner->Wait());
  EXPECT_FALSE(result.export_path.empty());
  EXPECT_EQ(result.iterations.size(), 2u);
  // Every process said it ran with TLS.
  for (const cluster::ProcessReport& p : result.processes) {
    std::ifstream in(p.stderr_log);
    const std::string log((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
    EXPECT_THAT(log, HasSubstr("transport security: TLS")) << p.name;
    EXPECT_THAT(log, ::testing::Not(HasSubstr("INSECURE"))) << p.name;
  }

  // The ranker serves the exported model: mutual TLS optional, tokens.
  cluster::SupervisorOptions so;
  so.log_dir = dir + "/ranker_logs";
  so.restart.max_restarts = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto supervisor, cluster::Supervisor::Create(so));
  cluster::ProcessSpec ranker;
  ranker.name = "ranker";
  ranker.binary = kRanker;
  ranker.port_file = dir + "/ranker.port";
  ranker.args = {"--port=0",
                 "--port_file=" + ranker.port_file,
                 "--metrics_port=-1",
                 "--model_base=" + dir + "/models",
                 "--model_names=shop",
                 "--threads=1",
                 "--tls_client_auth=optional",
                 "--token_list_file=" + *certs_ + "/tokens.txt"};
  for (std::string& a : TlsArgs("ranker")) ranker.args.push_back(a);
  TAILOR_ASSERT_OK(supervisor->Start(ranker));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      int port,
      supervisor->WaitForPort("ranker", absl::Now() + absl::Seconds(60)));
  const std::string address = absl::StrCat("localhost:", port);

  // A client certificate: served. tailor_ranker loads the versions it
  // finds before it listens, so the model is there once the port file is.
  v1::RankResponse response;
  grpc::Status status = Rank(Creds("client"), address, "shop", "", &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  EXPECT_EQ(response.items_size(), 5);

  // A bearer token without a certificate: served.
  status = Rank(Creds(""), address, "shop", absl::StrCat("Bearer ", kToken),
                &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Neither: UNAUTHENTICATED.
  status = Rank(Creds(""), address, "shop", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("presented neither"));
  // A wrong token: UNAUTHENTICATED.
  status = Rank(Creds(""), address, "shop", "Bearer not-a-known-token-00000000",
                &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("token file"));
  // A worker certificate is not a Rank caller: PERMISSION_DENIED.
  status = Rank(Creds("worker"), address, "shop", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("role worker"));
  // A certificate of another CA never gets a connection.
  status = Rank(Creds("client", *rogue_), address, "shop", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // Nor does a plaintext client.
  status =
      Rank(grpc::InsecureChannelCredentials(), address, "shop", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  supervisor->Stop();
}

TEST_F(MtlsTest, OnlyTheCoordinatorMayCheckpointOrRestoreAShard) {
  const std::string dir = TestDir("ps");
  ASSERT_EQ(
      system(
          absl::StrCat("rm -rf ", dir, " && mkdir -p ", dir, "/ckpt").c_str()),
      0);
  cluster::SupervisorOptions so;
  so.log_dir = dir + "/logs";
  so.restart.max_restarts = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto supervisor, cluster::Supervisor::Create(so));
  cluster::ProcessSpec ps;
  ps.name = "ps0";
  ps.binary = kPs;
  ps.port_file = dir + "/ps0.port";
  ps.args = {"--port=0", "--port_file=" + ps.port_file,
             "--checkpoint_dir=" + dir + "/ckpt"};
  for (std::string& a : TlsArgs("ps")) ps.args.push_back(a);
  TAILOR_ASSERT_OK(supervisor->Start(ps));
  TAILOR_ASSERT_OK_AND_ASSIGN(
      int port,
      supervisor->WaitForPort("ps0", absl::Now() + absl::Seconds(60)));

  auto client = [&](std::shared_ptr<grpc::ChannelCredentials> creds) {
    PsClientOptions o;
    o.shard_addresses = {absl::StrCat("localhost:", port)};
    o.worker_id = 7;
    o.max_attempts = 1;
    o.timeout_ms = 10000;
    o.credentials = std::move(creds);
    absl::StatusOr<std::unique_ptr<PsClient>> c = PsClient::Create(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  };
  std::unique_ptr<PsClient> coordinator = client(Creds("coordinator"));
  std::unique_ptr<PsClient> worker = client(Creds("worker"));

  TableSpec spec;
  spec.name = "items";
  spec.dim = 2;
  EXPECT_THAT(worker->CreateTable(spec),
              StatusIs(absl::StatusCode::kPermissionDenied));
  TAILOR_ASSERT_OK(coordinator->CreateTable(spec));
  // Workers push and pull.
  const std::vector<uint64_t> keys = {1, 2};
  const std::vector<float> rows = {1, 2, 3, 4};
  TAILOR_EXPECT_OK(worker->Push("items", keys, rows, PushOptions()).status());
  std::vector<float> out(4);
  TAILOR_EXPECT_OK(worker->Pull("items", keys, absl::MakeSpan(out)));
  EXPECT_EQ(out, rows);
  // Only the coordinator checkpoints and restores.
  EXPECT_THAT(
      worker->Checkpoint(dir + "/ckpt", 1).status(),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("Checkpoint")));
  EXPECT_THAT(
      worker->Restore(dir + "/ckpt", -1).status(),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("Restore")));
  TAILOR_EXPECT_OK(coordinator->Checkpoint(dir + "/ckpt", 1).status());
  TAILOR_EXPECT_OK(coordinator->Restore(dir + "/ckpt", 1).status());
  // No certificate: UNAUTHENTICATED; a client certificate: not a trainer.
  EXPECT_THAT(client(Creds(""))->Pull("items", keys, absl::MakeSpan(out)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("requires a client certificate")));
  EXPECT_THAT(
      client(Creds("client"))->Pull("items", keys, absl::MakeSpan(out)),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("role client")));
  // A worker certificate of another CA fails the handshake.
  EXPECT_THAT(client(Creds("worker", *rogue_))
                  ->Pull("items", keys, absl::MakeSpan(out)),
              StatusIs(absl::StatusCode::kUnavailable));
  supervisor->Stop();
}

TEST_F(MtlsTest, ServersWithoutAnExplicitChoiceRefuseToStart) {
  for (const std::string& cmd :
       {std::string(kPs) + " --port=0",
        std::string(kRanker) + " --model_base=/nonexistent --model_names=m",
        std::string(kWorker) + " --coordinator=127.0.0.1:1"}) {
    auto [code, out] = RunShell(cmd);
    EXPECT_EQ(code, 2) << cmd << ": " << out;
    // As a text line or as a JSON log line (tailor_worker).
    EXPECT_THAT(out, HasSubstr("refusing to start")) << cmd;
    EXPECT_THAT(out, HasSubstr("no transport security chosen")) << cmd;
    EXPECT_THAT(out, HasSubstr("--insecure")) << cmd;
  }
  // --insecure says so in the log at start.
  const std::string dir = TestDir("insecure");
  ASSERT_EQ(system(absl::StrCat("mkdir -p ", dir).c_str()), 0);
  cluster::SupervisorOptions so;
  so.log_dir = dir + "/logs";
  so.restart.max_restarts = 0;
  TAILOR_ASSERT_OK_AND_ASSIGN(auto supervisor, cluster::Supervisor::Create(so));
  cluster::ProcessSpec ps;
  ps.name = "ps";
  ps.binary = kPs;
  ps.port_file = dir + "/ps.port";
  ps.args = {"--insecure", "--port=0", "--port_file=" + ps.port_file};
  TAILOR_ASSERT_OK(supervisor->Start(ps));
  TAILOR_ASSERT_OK(
      supervisor->WaitForPort("ps", absl::Now() + absl::Seconds(60)).status());
  supervisor->Stop();
  std::ifstream in(supervisor->Reports()[0].stderr_log);
  const std::string log((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
  EXPECT_THAT(log, HasSubstr("transport security: INSECURE"));
}

}  // namespace
}  // namespace tailor
