// ps_bench: Pull / Push / GramPartial throughput of tailor_ps shards on
// loopback, measured through PsClient, against the machine's raw loopback
// TCP throughput. Starts --shards tailor_ps processes (ports chosen by the
// OS), prints one JSON object per line and measurement:
//   {"bench":"ps","case":...,"metric":...,"value":...,"unit":...}
//
//   bazel run //tools/bench/ps:ps_bench -- --dim=64 --rows=500000

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "parameter_server/ps_client.h"

extern char** environ;

ABSL_FLAG(std::string, ps_binary, "",
          "Path of tailor_ps (default: beside this binary's runfiles).");
ABSL_FLAG(int, shards, 2, "Number of tailor_ps processes.");
ABSL_FLAG(int, dim, 64, "Row width (floats).");
ABSL_FLAG(int, rows, 500000, "Rows pushed and pulled.");
ABSL_FLAG(int, batch_keys, 50000, "Keys per Push / Pull call.");
ABSL_FLAG(int, small_batch_keys, 64, "Keys per call in the latency case.");
ABSL_FLAG(int, small_calls, 2000, "Calls in the latency case.");
ABSL_FLAG(int, repeats, 3, "Passes over the rows; the best is reported.");

namespace tailor {
namespace {

void Emit(const std::string& c, const std::string& metric, double value,
          const std::string& unit, double peak = 0) {
  std::printf(
      "{\"bench\":\"ps\",\"case\":\"%s\",\"metric\":\"%s\","
      "\"value\":%.6g,\"unit\":\"%s\"",
      c.c_str(), metric.c_str(), value, unit.c_str());
  if (peak > 0) std::printf(",\"peak_share\":%.4f", value / peak);
  std::printf("}\n");
  std::fflush(stdout);
}

// Raw TCP throughput over loopback in MB/s: one thread writes 1 MiB blocks,
// another reads them, for ~1 s. The ceiling any loopback RPC can reach.
double LoopbackTcpMBps() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listener, 1) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(listener);
    return 0;
  }
  std::thread reader([listener] {
    int fd = accept(listener, nullptr, nullptr);
    std::vector<char> buf(1 << 20);
    while (read(fd, buf.data(), buf.size()) > 0) {
    }
    close(fd);
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  double mbps = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
    std::vector<char> buf(1 << 20, 'x');
    const absl::Time start = absl::Now();
    uint64_t bytes = 0;
    while (absl::Now() - start < absl::Seconds(1)) {
      ssize_t n = write(fd, buf.data(), buf.size());
      if (n <= 0) break;
      bytes += n;
    }
    mbps = bytes / 1e6 / absl::ToDoubleSeconds(absl::Now() - start);
  }
  close(fd);
  reader.join();
  close(listener);
  return mbps;
}

struct Process {
  pid_t pid = 0;
  std::string address;
};

absl::StatusOr<Process> StartShard(const std::string& binary,
                                   const std::string& dir, int index,
                                   int shards) {
  const std::string port_file = absl::StrCat(dir, "/ps", index, ".port");
  std::vector<std::string> args = {binary,
                                   "--insecure",
                                   "--port=0",
                                   "--port_file=" + port_file,
                                   absl::StrCat("--shard_index=", index),
                                   absl::StrCat("--num_shards=", shards)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Process p;
  if (posix_spawn(&p.pid, binary.c_str(), nullptr, nullptr, argv.data(),
                  environ) != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", binary));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    std::ifstream in(port_file);
    std::string text;
    int port = 0;
    if (in && std::getline(in, text) &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) {
      p.address = absl::StrCat("127.0.0.1:", port);
      return p;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("shard ", index, " wrote no port file in 60 s"));
}

int Run(const char* argv0) {
  std::string binary = absl::GetFlag(FLAGS_ps_binary);
  if (binary.empty()) {
    binary = absl::StrCat(argv0, ".runfiles/tailor/parameter_server/tailor_ps");
  }
  const int shards = absl::GetFlag(FLAGS_shards);
  const int dim = absl::GetFlag(FLAGS_dim);
  const int rows = absl::GetFlag(FLAGS_rows);
  const int batch = absl::GetFlag(FLAGS_batch_keys);
  char dir_template[] = "/tmp/ps_bench.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return 1;

  const double loopback = LoopbackTcpMBps();
  Emit("loopback_tcp", "throughput", loopback, "MB/s");

  std::vector<Process> procs;
  PsClientOptions options;
  for (int s = 0; s < shards; ++s) {
    absl::StatusOr<Process> p = StartShard(binary, dir, s, shards);
    if (!p.ok()) {
      std::fprintf(stderr, "ps_bench: %s\n", p.status().ToString().c_str());
      for (auto& q : procs) kill(q.pid, SIGKILL);
      return 1;
    }
    procs.push_back(*p);
    options.shard_addresses.push_back(p->address);
  }
  options.worker_id = 1;
  auto client = *PsClient::Create(options);
  TableSpec spec;
  spec.name = "bench";
  spec.dim = dim;
  spec.init.kind = InitializerSpec::Kind::kNormal;
  spec.init.stddev = 0.1f;
  absl::Status status = client->CreateTable(spec);

  std::mt19937_64 rng(12345);
  std::vector<uint64_t> keys(rows);
  for (auto& k : keys) k = rng();
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<float> values(keys.size() * dim), out(values.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = (i % 1000) * 1e-3f;
  const double row_mb = (8.0 + 4.0 * dim) / 1e6;
  const std::string tag =
      absl::StrCat("dim", dim, "_batch", batch, "_shards", shards);

  double best_push = 0, best_pull = 0;
  for (int rep = 0; status.ok() && rep < absl::GetFlag(FLAGS_repeats); ++rep) {
    absl::Time start = absl::Now();
    for (size_t b = 0; status.ok() && b < keys.size(); b += batch) {
      const size_t n = std::min<size_t>(batch, keys.size() - b);
      status = client
                   ->Push("bench", absl::MakeConstSpan(&keys[b], n),
                          absl::MakeConstSpan(&values[b * dim], n * dim), {})
                   .status();
    }
    best_push = std::max(
        best_push, keys.size() / absl::ToDoubleSeconds(absl::Now() - start));
    start = absl::Now();
    for (size_t b = 0; status.ok() && b < keys.size(); b += batch) {
      const size_t n = std::min<size_t>(batch, keys.size() - b);
      status = client->Pull("bench", absl::MakeConstSpan(&keys[b], n),
                            absl::MakeSpan(&out[b * dim], n * dim));
    }
    best_pull = std::max(
        best_pull, keys.size() / absl::ToDoubleSeconds(absl::Now() - start));
    if (status.ok() && out != values) {
      status = absl::InternalError("pulled rows differ from pushed rows");
    }
  }
  if (status.ok()) {
    Emit("push_assign_" + tag, "rows_per_s", best_push, "rows/s");
    Emit("push_assign_" + tag, "payload", best_push * row_mb, "MB/s", loopback);
    Emit("pull_" + tag, "rows_per_s", best_pull, "rows/s");
    Emit("pull_" + tag, "payload", best_pull * row_mb, "MB/s", loopback);
  }

  // Latency of small pulls (the SGD-style access pattern).
  const int small = absl::GetFlag(FLAGS_small_batch_keys);
  std::vector<double> latencies_us;
  std::vector<float> small_out(static_cast<size_t>(small) * dim);
  for (int c = 0; status.ok() && c < absl::GetFlag(FLAGS_small_calls); ++c) {
    const size_t b =
        (static_cast<size_t>(c) * 7919 * small) % (keys.size() - small);
    const absl::Time start = absl::Now();
    status = client->Pull("bench", absl::MakeConstSpan(&keys[b], small),
                          absl::MakeSpan(small_out));
    latencies_us.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
  if (status.ok() && !latencies_us.empty()) {
    std::sort(latencies_us.begin(), latencies_us.end());
    const std::string c =
        absl::StrCat("pull_dim", dim, "_batch", small, "_shards", shards);
    Emit(c, "latency_p50", latencies_us[latencies_us.size() / 2], "us");
    Emit(c, "latency_p99", latencies_us[latencies_us.size() * 99 / 100], "us");
  }

  // Gram of every stored row, summed over shards.
  if (status.ok()) {
    const absl::Time start = absl::Now();
    absl::StatusOr<GramSum> gram = client->GramPartial("bench");
    const double s = absl::ToDoubleSeconds(absl::Now() - start);
    status = gram.status();
    if (status.ok()) {
      Emit(absl::StrCat("gram_dim", dim, "_rows", gram->rows_summed, "_shards",
                        shards),
           "rows_per_s", gram->rows_summed / s, "rows/s");
    }
  }
  if (status.ok()) {
    absl::StatusOr<std::vector<ShardStats>> stats = client->Stats();
    if (stats.ok()) {
      uint64_t in = 0, out_bytes = 0;
      for (const ShardStats& st : *stats) {
        in += st.bytes_in;
        out_bytes += st.bytes_out;
      }
      Emit("server_totals", "bytes_in", in, "bytes");
      Emit("server_totals", "bytes_out", out_bytes, "bytes");
    }
  }
  client.reset();
  for (auto& p : procs) {
    kill(p.pid, SIGTERM);
    int st;
    waitpid(p.pid, &st, 0);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "ps_bench: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tailor::Run(argv[0]);
}
