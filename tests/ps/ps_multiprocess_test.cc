// Two tailor_ps processes: push and pull through PsClient, checkpoint,
// SIGKILL one shard, restart it with --restore, and check that its rows are
// back as of the checkpoint while the other shard kept its newer rows.

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "parameter_server/ps_client.h"

extern char** environ;

namespace tailor {
namespace {

// Bazel runs tests from the runfiles root of the workspace.
constexpr char kBinary[] = "parameter_server/tailor_ps";

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, kBinary, nullptr, nullptr, argv.data(), environ) != 0) {
    return -1;
  }
  return pid;
}

// Waits for the child to exit; returns its exit code (or -signal).
int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1000;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1000;
}

class Shard {
 public:
  Shard(std::string dir, int index) : dir_(std::move(dir)), index_(index) {}
  ~Shard() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitExit(pid_);
    }
  }
  std::string port_file() const {
    return absl::StrCat(dir_, "/ps", index_, ".port");
  }
  // Starts the process and polls its port file for up to 60 s.
  absl::StatusOr<std::string> Start(bool restore) {
    std::remove(port_file().c_str());
    std::vector<std::string> args = {kBinary,
                                     "--insecure",
                                     "--port=0",
                                     "--port_file=" + port_file(),
                                     absl::StrCat("--shard_index=", index_),
                                     "--num_shards=2",
                                     "--checkpoint_dir=" + dir_ + "/ckpt"};
    if (restore) args.push_back("--restore");
    pid_ = Spawn(args);
    if (pid_ <= 0) return absl::InternalError("could not spawn tailor_ps");
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      std::ifstream in(port_file());
      std::string text;
      int port = 0;
      if (in && std::getline(in, text) &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) &&
          port > 0) {
        return absl::StrCat("127.0.0.1:", port);
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return absl::InternalError("tailor_ps exited before writing its port");
      }
      absl::SleepFor(absl::Milliseconds(10));  // polling interval
    }
    return absl::DeadlineExceededError("no port file after 60 s");
  }
  void Kill(int sig) {
    kill(pid_, sig);
    exit_code_ = WaitExit(pid_);
    pid_ = 0;
  }
  int exit_code() const { return exit_code_; }

 private:
  std::string dir_;
  int index_;
  pid_t pid_ = 0;
  int exit_code_ = 0;
};

std::unique_ptr<PsClient> Client(const std::vector<std::string>& addresses) {
  PsClientOptions o;
  o.shard_addresses = addresses;
  o.worker_id = 1;
  o.timeout_ms = 20000;
  return *PsClient::Create(o);
}

// grpc.health.v1.Health/Check with an empty request, through the generic
// stub (the health protos are not installed as C++ headers); returns the
// raw response bytes.
absl::StatusOr<std::string> HealthCheck(const std::string& address) {
  grpc::GenericStub stub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1), response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::InternalError("dump");
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

TEST(PsMultiprocessTest, HelpExitsZero) {
  pid_t pid = Spawn({kBinary, "--help"});
  ASSERT_GT(pid, 0);
  EXPECT_EQ(WaitExit(pid), 0);
}

TEST(PsMultiprocessTest, KilledShardRestoresItsCheckpoint) {
  const std::string dir = ::testing::TempDir() + "/ps_multiprocess";
  mkdir(dir.c_str(), 0755);
  Shard shard0(dir, 0), shard1(dir, 1);
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string a0, shard0.Start(false));
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string a1, shard1.Start(false));
  std::unique_ptr<PsClient> client = Client({a0, a1});
  // The health service answers SERVING (field 1 = enum value 1).
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string health, HealthCheck(a0));
  EXPECT_EQ(health, std::string("\x08\x01", 2));

  TableSpec spec;
  spec.name = "item_factors";
  spec.dim = 8;
  spec.init.kind = InitializerSpec::Kind::kNormal;
  spec.init.seed = 42;
  spec.init.stddev = 0.1f;
  TAILOR_ASSERT_OK(client->CreateTable(spec));
  std::vector<uint64_t> keys(2000);
  std::vector<float> v1(keys.size() * 8), v2(keys.size() * 8);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = i * 104729 + 3;
  for (size_t i = 0; i < v1.size(); ++i) {
    v1[i] = static_cast<float>(i % 97) * 0.25f;
    v2[i] = -v1[i] - 1.0f;
  }
  TAILOR_ASSERT_OK(client->Push("item_factors", keys, v1, {}).status());
  std::vector<float> out(v1.size());
  TAILOR_ASSERT_OK(client->Pull("item_factors", keys, absl::MakeSpan(out)));
  ASSERT_EQ(out, v1);

  TAILOR_ASSERT_OK(client->Checkpoint(dir + "/ckpt", 1).status());
  TAILOR_ASSERT_OK(client->Push("item_factors", keys, v2, {}).status());

  shard1.Kill(SIGKILL);
  EXPECT_EQ(shard1.exit_code(), -SIGKILL);
  TAILOR_ASSERT_OK_AND_ASSIGN(std::string a1_new, shard1.Start(true));
  client = Client({a0, a1_new});
  TAILOR_ASSERT_OK(client->Pull("item_factors", keys, absl::MakeSpan(out)));
  TAILOR_ASSERT_OK_AND_ASSIGN(std::vector<ShardStats> stats, client->Stats());
  // Shard 1 is back at the checkpoint (v1); shard 0 was never killed (v2).
  size_t restored = 0, kept = 0;
  const std::vector<std::string> addresses = {a0, a1_new};
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::vector<float> got(out.begin() + i * 8, out.begin() + i * 8 + 8);
    const std::vector<float> old_row(v1.begin() + i * 8,
                                     v1.begin() + i * 8 + 8);
    const std::vector<float> new_row(v2.begin() + i * 8,
                                     v2.begin() + i * 8 + 8);
    if (got == old_row) ++restored;
    if (got == new_row) ++kept;
  }
  EXPECT_EQ(restored + kept, keys.size());
  EXPECT_EQ(restored, stats[1].rows);
  EXPECT_EQ(kept, stats[0].rows);
  EXPECT_GT(restored, 500u);
  EXPECT_GT(kept, 500u);
  EXPECT_EQ(stats[1].tables.at(0).version, 1u);  // the checkpointed version

  // Graceful stop on SIGTERM.
  shard0.Kill(SIGTERM);
  EXPECT_EQ(shard0.exit_code(), 0);
  shard1.Kill(SIGTERM);
  EXPECT_EQ(shard1.exit_code(), 0);
}

}  // namespace
}  // namespace tailor
