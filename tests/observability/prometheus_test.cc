// Scrapes a running tailor_ranker and tailor_ps with Debian's real
// `prometheus` binary and reads the values back through Prometheus' HTTP
// query API (docs/observability.md). The ranker also runs with its request
// log and its plaintext health port, which are checked too. Every wait polls
// a condition with a bounded deadline.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/raw_call.h"
#include "core/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parameter_server/ps_client.h"
#include "tailor/v1/ranker.grpc.pb.h"

namespace tailor {
namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// A child process in its own process group with its output in files; the
// group is killed when the object is destroyed. Not thread-safe.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  absl::Status Start(const std::vector<std::string>& argv,
                     const std::string& stdout_path,
                     const std::string& stderr_path) {
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int out =
        open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err =
        open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0) return absl::InternalError("cannot open log files");
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      dup2(out, 1);
      dup2(err, 2);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out);
    close(err);
    if (pid_ < 0) return absl::InternalError("fork failed");
    return absl::OkStatus();
  }

  // Polls until `port_file` (written by rename) holds a port; INTERNAL when
  // the process exits first.
  absl::StatusOr<int> WaitForPort(const std::string& port_file,
                                  absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      const std::string text = ReadFileOrEmpty(port_file);
      if (!text.empty()) return std::stoi(text);
      absl::StatusOr<int> code = Wait(absl::Milliseconds(50));
      if (code.ok()) {
        return absl::InternalError(
            absl::StrCat("exited with ", *code, " before writing ", port_file));
      }
    }
    return absl::DeadlineExceededError(absl::StrCat("no port in ", port_file));
  }

  // The exit code (or -signal); DEADLINE_EXCEEDED while it still runs.
  absl::StatusOr<int> Wait(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!exited_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ =
            WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        break;
      }
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError("still running");
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return exit_code_;
  }

 private:
  pid_t pid_ = 0;
  bool exited_ = false;
  int exit_code_ = 0;
};

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr char kRanker[] = "ranker/tailor_ranker";
constexpr char kPs[] = "parameter_server/tailor_ps";
constexpr char kMakeModel[] = "tests/ranker/make_synthetic_model";
constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kQueryTimeout = absl::Seconds(60);
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

// A port the OS considered free a moment ago (Prometheus cannot listen on
// port 0 and report it, so the caller retries on a collision).
absl::StatusOr<int> PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError("bind/getsockname on 127.0.0.1:0 failed");
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// A plain HTTP/1.0 GET on 127.0.0.1:port; the status code and body.
struct HttpReply {
  int code = 0;
  std::string body;
};
absl::StatusOr<HttpReply> HttpGet(int port, const std::string& target) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to port ", port));
  }
  const std::string request =
      absl::StrCat("GET ", target, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("short write");
  }
  std::string response;
  char buffer[4096];
  for (int i = 0; i < 100000; ++i) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  HttpReply reply;
  if (std::sscanf(response.c_str(), "HTTP/%*s %d", &reply.code) != 1) {
    return absl::UnavailableError(
        absl::StrCat("no HTTP status line from port ", port));
  }
  const size_t body = response.find("\r\n\r\n");
  if (body != std::string::npos) reply.body = response.substr(body + 4);
  return reply;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

class PrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/prometheus_test";
    ASSERT_EQ(std::system(
                  absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str()),
              0);
  }

  // Runs `argv` to completion.
  void RunToCompletion(const std::vector<std::string>& argv,
                       const std::string& name) {
    ChildProcess child;
    TAILOR_ASSERT_OK(child.Start(argv, dir_ + "/" + name + ".out",
                                 dir_ + "/" + name + ".err"));
    absl::StatusOr<int> code = child.Wait(kStartTimeout);
    TAILOR_ASSERT_OK(code.status());
    ASSERT_EQ(*code, 0) << name << ": "
                        << ReadFileOrEmpty(dir_ + "/" + name + ".err");
  }

  // Starts a server that writes a gRPC and a metrics port file.
  void StartServer(ChildProcess* child, const std::string& name,
                   std::vector<std::string> argv, int* port,
                   int* metrics_port) {
    const std::string port_file = dir_ + "/" + name + ".port";
    const std::string metrics_file = dir_ + "/" + name + ".metrics_port";
    argv.push_back("--port=0");
    argv.push_back("--port_file=" + port_file);
    argv.push_back("--metrics_port=0");
    argv.push_back("--metrics_port_file=" + metrics_file);
    TAILOR_ASSERT_OK(child->Start(argv, dir_ + "/" + name + ".out",
                                  dir_ + "/" + name + ".err"));
    absl::StatusOr<int> p = child->WaitForPort(port_file, kStartTimeout);
    TAILOR_ASSERT_OK(p.status()) << ReadFileOrEmpty(dir_ + "/" + name + ".err");
    absl::StatusOr<int> m = child->WaitForPort(metrics_file, kStartTimeout);
    TAILOR_ASSERT_OK(m.status()) << ReadFileOrEmpty(dir_ + "/" + name + ".err");
    *port = *p;
    *metrics_port = *m;
  }

  // Starts Prometheus scraping the two metrics ports every second; retries
  // with another port when the chosen one was taken meanwhile.
  void StartPrometheus(int ranker_metrics_port, int ps_metrics_port) {
    const std::string config = dir_ + "/prometheus.yml";
    std::ofstream(config) << absl::StrFormat(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: tailor_ranker\n"
        "    static_configs:\n"
        "      - targets: ['127.0.0.1:%d']\n"
        "  - job_name: tailor_ps\n"
        "    static_configs:\n"
        "      - targets: ['127.0.0.1:%d']\n",
        ranker_metrics_port, ps_metrics_port);
    for (int attempt = 0; attempt < 5; ++attempt) {
      absl::StatusOr<int> port = PickFreePort();
      TAILOR_ASSERT_OK(port.status());
      const std::string err =
          absl::StrCat(dir_, "/prometheus.", attempt, ".err");
      prometheus_ = std::make_unique<ChildProcess>();
      TAILOR_ASSERT_OK(prometheus_->Start(
          {kPrometheus, "--config.file=" + config,
           "--storage.tsdb.path=" + dir_ + "/tsdb",
           absl::StrCat("--web.listen-address=127.0.0.1:", *port),
           "--log.level=warn"},
          dir_ + "/prometheus.out", err));
      // Ready when /-/ready answers 200; a bind failure ends the process.
      const absl::Time deadline = absl::Now() + kStartTimeout;
      while (absl::Now() < deadline) {
        absl::StatusOr<HttpReply> ready = HttpGet(*port, "/-/ready");
        if (ready.ok() && ready->code == 200) {
          prometheus_port_ = *port;
          return;
        }
        absl::StatusOr<int> exited = prometheus_->Wait(kPollInterval);
        if (exited.ok()) break;  // e.g. address already in use: retry
      }
      const std::string log = ReadFileOrEmpty(err);
      if (log.find("address already in use") == std::string::npos) {
        FAIL() << "prometheus did not become ready on port " << *port << ": "
               << log;
      }
    }
    FAIL() << "prometheus: no free port after 5 attempts";
  }

  // The value of an instant query with one result, if there is one.
  std::optional<double> Query(const std::string& promql) {
    absl::StatusOr<HttpReply> reply =
        HttpGet(prometheus_port_, "/api/v1/query?query=" + UrlEncode(promql));
    if (!reply.ok() || reply->code != 200) return std::nullopt;
    const nlohmann::json j = nlohmann::json::parse(reply->body, nullptr,
                                                   /*allow_exceptions=*/false);
    if (j.is_discarded() || j.value("status", "") != "success") {
      return std::nullopt;
    }
    const nlohmann::json& result = j["data"]["result"];
    if (!result.is_array() || result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  }

  // Polls `promql` until it equals `expected` (the scrape interval is 1 s).
  void ExpectEventually(const std::string& promql, double expected) {
    std::optional<double> last;
    const absl::Time deadline = absl::Now() + kQueryTimeout;
    while (absl::Now() < deadline) {
      last = Query(promql);
      if (last.has_value() && *last == expected) return;
      absl::SleepFor(kPollInterval);
    }
    ADD_FAILURE() << promql << ": expected " << expected << ", last value "
                  << (last.has_value() ? absl::StrCat(*last) : "none");
  }

  std::string dir_;
  std::unique_ptr<ChildProcess> prometheus_;
  int prometheus_port_ = 0;
};

TEST_F(PrometheusTest, ScrapesRankerAndParameterServer) {
  ASSERT_EQ(access(kPrometheus, X_OK), 0)
      << kPrometheus
      << " is missing: this test needs Debian's prometheus package "
         "(apt-get install -y prometheus; tools/setup.sh installs it)";

  RunToCompletion(
      {kMakeModel, "--model_base=" + dir_ + "/models", "--model_name=shop",
       "--items=300", "--users=40", "--factors=8", "--version=1",
       "--vocabulary=200", "--segments=2", "--segment_items=50"},
      "make_model");

  ChildProcess ranker, ps;
  int ranker_port = 0, ranker_metrics = 0, ps_port = 0, ps_metrics = 0;
  ASSERT_NO_FATAL_FAILURE(StartServer(
      &ranker, "ranker",
      {kRanker, "--insecure", "--model_base=" + dir_ + "/models",
       "--model_names=shop", "--threads=1", "--log_requests", "--health_port=0",
       "--health_port_file=" + dir_ + "/ranker.health"},
      &ranker_port, &ranker_metrics));
  // The health port file is written before the gRPC port file.
  const std::string health_text = ReadFileOrEmpty(dir_ + "/ranker.health");
  ASSERT_FALSE(health_text.empty());
  const int health_port = std::stoi(health_text);
  ASSERT_NO_FATAL_FAILURE(
      StartServer(&ps, "ps",
                  {kPs, "--insecure", "--health_port=0",
                   "--health_port_file=" + dir_ + "/ps.health"},
                  &ps_port, &ps_metrics));
  const std::string ps_health_text = ReadFileOrEmpty(dir_ + "/ps.health");
  ASSERT_FALSE(ps_health_text.empty());
  const int ps_health_port = std::stoi(ps_health_text);

  // Rank until the model is loaded, then three more answers.
  auto stub = v1::Ranker::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", ranker_port),
                          grpc::InsecureChannelCredentials()));
  std::vector<std::string> request_ids;
  auto rank = [&]() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::RankRequest request;
    request.set_model_name("shop");
    request.set_user_id("user3");
    request.set_count(5);
    request_ids.push_back(absl::StrCat("req-", request_ids.size()));
    request.set_request_id(request_ids.back());
    v1::RankResponse response;
    return stub->Rank(&context, request, &response);
  };
  int not_ready = 0;
  for (const absl::Time deadline = absl::Now() + kStartTimeout;;) {
    grpc::Status s = rank();
    if (s.ok()) break;
    ++not_ready;
    ASSERT_LT(absl::Now(), deadline)
        << "Rank never succeeded: " << s.error_message();
    absl::SleepFor(kPollInterval);
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rank().ok());

  // The plaintext health port says SERVING now that a version is loaded.
  {
    auto health = grpc::CreateChannel(absl::StrCat("127.0.0.1:", health_port),
                                      grpc::InsecureChannelCredentials());
    absl::StatusOr<bool> serving =
        CheckServing(health.get(), "", absl::Seconds(10));
    TAILOR_ASSERT_OK(serving.status());
    EXPECT_TRUE(*serving);
    // The same for the shard's health port.
    auto ps_health =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", ps_health_port),
                            grpc::InsecureChannelCredentials());
    absl::StatusOr<bool> ps_serving =
        CheckServing(ps_health.get(), "", absl::Seconds(10));
    TAILOR_ASSERT_OK(ps_serving.status());
    EXPECT_TRUE(*ps_serving);
    // Neither health port serves the real service.
    RawCallResult push =
        RawUnaryCall(ps_health.get(), "/tailor.v1.ParameterServer/Push", "",
                     absl::Seconds(10));
    EXPECT_EQ(push.status.code(), absl::StatusCode::kUnimplemented)
        << push.status;
  }

  // Two pushes of 3 rows and three pulls against the shard.
  PsClientOptions options;
  options.shard_addresses = {absl::StrCat("127.0.0.1:", ps_port)};
  options.worker_id = 7;
  options.first_request_id = 1;
  absl::StatusOr<std::unique_ptr<PsClient>> client = PsClient::Create(options);
  TAILOR_ASSERT_OK(client.status());
  TableSpec spec;
  spec.name = "items";
  spec.dim = 4;
  TAILOR_ASSERT_OK((*client)->CreateTable(spec));
  const std::vector<uint64_t> keys = {3, 5, 9};
  std::vector<float> rows(keys.size() * 4, 0.5f);
  for (int i = 0; i < 2; ++i) {
    TAILOR_ASSERT_OK(
        (*client)->Push("items", keys, rows, PushOptions()).status());
  }
  std::vector<float> out(rows.size());
  for (int i = 0; i < 3; ++i) {
    TAILOR_ASSERT_OK((*client)->Pull("items", keys, absl::MakeSpan(out)));
  }

  ASSERT_NO_FATAL_FAILURE(StartPrometheus(ranker_metrics, ps_metrics));

  ExpectEventually("up{job=\"tailor_ranker\"}", 1);
  ExpectEventually("up{job=\"tailor_ps\"}", 1);
  ExpectEventually(
      "sum(tailor_ranker_requests_total{job=\"tailor_ranker\","
      "method=\"Rank\",code=\"OK\"})",
      4);
  ExpectEventually(
      "sum(tailor_ranker_served_total{job=\"tailor_ranker\",model=\"shop\"})",
      4);
  ExpectEventually(
      "tailor_ps_requests_total{job=\"tailor_ps\",method=\"Push\","
      "code=\"OK\"}",
      2);
  ExpectEventually(
      "tailor_ps_request_duration_seconds_count{job=\"tailor_ps\","
      "method=\"Pull\"}",
      3);
  ExpectEventually("tailor_ps_rows_total{job=\"tailor_ps\",op=\"pushed\"}", 6);
  ExpectEventually("tailor_ps_rows_total{job=\"tailor_ps\",op=\"pulled\"}", 9);
  ExpectEventually("tailor_ps_table_rows{job=\"tailor_ps\",table=\"items\"}",
                   3);
  ExpectEventually(
      "tailor_ps_payload_bytes_total{job=\"tailor_ps\",direction=\"in\"} "
      "> bool 0",
      1);
  // The calls made before the model was loaded were counted as errors.
  if (not_ready > 0) {
    ExpectEventually(
        "sum(tailor_ranker_requests_total{job=\"tailor_ranker\","
        "method=\"Rank\",code!=\"OK\"})",
        not_ready);
  }
  ExpectEventually(
      "tailor_ranker_request_log_dropped_total{job=\"tailor_ranker\"}", 0);

  // The request log: one JSON line per Rank call, in the order of the calls
  // (one client thread), each with its request id; written by a background
  // thread, so polled.
  std::vector<nlohmann::json> rank_lines;
  for (const absl::Time deadline = absl::Now() + kStartTimeout;
       absl::Now() < deadline; absl::SleepFor(kPollInterval)) {
    rank_lines.clear();
    for (absl::string_view line :
         absl::StrSplit(ReadFileOrEmpty(dir_ + "/ranker.err"), '\n')) {
      if (line.empty() || line[0] != '{') continue;  // plain lines
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << line;
      if (j.value("message", "") == "rank") rank_lines.push_back(j);
    }
    if (rank_lines.size() >= request_ids.size()) break;
  }
  ASSERT_EQ(rank_lines.size(), request_ids.size());
  for (size_t i = 0; i < rank_lines.size(); ++i) {
    const nlohmann::json& j = rank_lines[i];
    EXPECT_EQ(j.value("request_id", ""), request_ids[i]);
    EXPECT_EQ(j.value("component", ""), "tailor_ranker");
    EXPECT_EQ(j.value("model", ""), "shop");
    EXPECT_TRUE(j.contains("latency_us") && j["latency_us"].is_number());
    const bool ok = i >= static_cast<size_t>(not_ready);
    if (ok) {
      EXPECT_EQ(j.value("code", ""), "OK");
      EXPECT_EQ(j["version"], 1);
    } else {
      EXPECT_NE(j.value("code", ""), "OK");
    }
  }
}

}  // namespace
}  // namespace tailor
