// The supervisor against real child processes (cluster_test_child).

#include "tools/cluster/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/status_matchers.h"
#include "gtest/gtest.h"
#include "tools/cluster/port_file.h"

namespace tailor {
namespace cluster {
namespace {

// Bazel runs tests from the runfiles root of the workspace.
constexpr char kChild[] = "tools/cluster/cluster_test_child";

absl::Time Deadline() { return absl::Now() + absl::Seconds(30); }

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(::testing::TempDir(), "/", info->name());
    ASSERT_EQ(
        system(absl::StrCat("rm -rf ", dir_, " && mkdir -p ", dir_).c_str()),
        0);
  }
  std::unique_ptr<Supervisor> Make(int max_restarts = 3,
                                   absl::Duration grace = absl::Seconds(10)) {
    SupervisorOptions options;
    options.log_dir = dir_ + "/logs";
    options.restart.max_restarts = max_restarts;
    options.stop_grace = grace;
    return *Supervisor::Create(options);
  }
  ProcessSpec Child(const std::string& name, std::vector<std::string> args) {
    ProcessSpec spec;
    spec.name = name;
    spec.binary = kChild;
    spec.args = std::move(args);
    return spec;
  }
  std::vector<std::string> Lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
  }
  std::string dir_;
};

TEST_F(SupervisorTest, StartsWaitsForPortAndRelaysStdout) {
  auto supervisor = Make();
  absl::Mutex mu;
  std::vector<std::string> lines;
  ProcessSpec spec = Child(
      "server",
      {"--port=0", "--port_file=" + dir_ + "/server.port", "--print_lines=3"});
  spec.port_file = dir_ + "/server.port";
  spec.on_stdout_line = [&](const std::string& line) {
    absl::MutexLock lock(&mu);
    lines.push_back(line);
  };
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  TAILOR_ASSERT_OK_AND_ASSIGN(int port,
                              supervisor->WaitForPort("server", Deadline()));
  EXPECT_GT(port, 0);
  EXPECT_GT(supervisor->Pid("server"), 0);
  auto three = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return lines.size() >= 3;
  };
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithDeadline(absl::Condition(&three), Deadline()));
    EXPECT_EQ(lines, (std::vector<std::string>{"line 0", "line 1", "line 2"}));
  }
  supervisor->Stop();
  std::vector<ProcessReport> reports = supervisor->Reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].state, ProcessState::kStopped);
  EXPECT_EQ(reports[0].port, port);
  EXPECT_GT(reports[0].peak_rss_kb, 0);
  EXPECT_EQ(Lines(reports[0].stdout_log).size(), 3u);
}

TEST_F(SupervisorTest, RestartsACrashOnTheSamePortWithRestartArgs) {
  auto supervisor = Make();
  const std::string port_file = dir_ + "/ps.port";
  ProcessSpec spec = Child("ps", {"--port=0", "--port_file=" + port_file,
                                  "--argv_file=" + dir_ + "/argv",
                                  "--crash_once_file=" + dir_ + "/crashed"});
  spec.port_file = port_file;
  spec.restart_args = {"--restore"};
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  TAILOR_ASSERT_OK(supervisor->WaitForStarts("ps", 2, Deadline()));
  TAILOR_ASSERT_OK_AND_ASSIGN(int port,
                              supervisor->WaitForPort("ps", Deadline()));
  const std::vector<std::string> argv = Lines(dir_ + "/argv");
  ASSERT_EQ(argv.size(), 2u);
  EXPECT_NE(argv[0].find("--port=0"), std::string::npos);
  EXPECT_EQ(argv[0].find("--restore"), std::string::npos);
  EXPECT_NE(argv[1].find(absl::StrCat("--port=", port)), std::string::npos)
      << argv[1];
  EXPECT_NE(argv[1].find("--restore"), std::string::npos);
  const std::vector<ProcessReport> reports = supervisor->Reports();
  EXPECT_EQ(reports[0].restarts, 1);
  EXPECT_EQ(reports[0].starts, 2);
  EXPECT_EQ(reports[0].state, ProcessState::kRunning);
}

TEST_F(SupervisorTest, SigkillIsRestarted) {
  auto supervisor = Make();
  std::vector<ProcessEvent> events;
  absl::Mutex mu;
  SupervisorOptions options;
  options.log_dir = dir_ + "/logs";
  options.on_event = [&](const ProcessEvent& e) {
    absl::MutexLock lock(&mu);
    events.push_back(e);
  };
  supervisor = *Supervisor::Create(options);
  TAILOR_ASSERT_OK(supervisor->Start(Child("worker", {})));
  const pid_t first = supervisor->Pid("worker");
  TAILOR_ASSERT_OK(supervisor->Signal("worker", SIGKILL));
  TAILOR_ASSERT_OK(supervisor->WaitForStarts("worker", 2, Deadline()));
  EXPECT_NE(supervisor->Pid("worker"), first);
  supervisor->Stop();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(events.size(), 4u);  // start, exit (SIGKILL), start, exit (stop)
  EXPECT_EQ(events[1].kind, ProcessEvent::Kind::kExited);
  EXPECT_TRUE(events[1].exit.signaled);
  EXPECT_EQ(events[1].exit.signal, SIGKILL);
  EXPECT_EQ(events[1].decision, RestartDecision::kRestart);
  EXPECT_EQ(events[3].decision, RestartDecision::kStopped);
}

TEST_F(SupervisorTest, RestartsAreBounded) {
  auto supervisor = Make(/*max_restarts=*/2);
  TAILOR_ASSERT_OK(supervisor->Start(Child("flaky", {"--exit_code=1"})));
  absl::Status finish = supervisor->WaitForFinish("flaky", Deadline());
  EXPECT_TRUE(absl::IsAborted(finish)) << finish;
  EXPECT_NE(finish.message().find("after 2 restarts"), std::string::npos)
      << finish;
  EXPECT_NE(finish.message().find("flaky.stderr.log"), std::string::npos);
  EXPECT_EQ(supervisor->Reports()[0].starts, 3);
  EXPECT_EQ(supervisor->Reports()[0].state, ProcessState::kFailed);
}

TEST_F(SupervisorTest, UsageErrorIsNotRestarted) {
  auto supervisor = Make();
  TAILOR_ASSERT_OK(supervisor->Start(Child("bad", {"--no_such_flag"})));
  absl::Status finish = supervisor->WaitForFinish("bad", Deadline());
  EXPECT_TRUE(absl::IsAborted(finish)) << finish;
  EXPECT_NE(finish.message().find("exit code 2"), std::string::npos) << finish;
  EXPECT_EQ(supervisor->Reports()[0].starts, 1);
  const std::vector<std::string> log =
      Lines(supervisor->Reports()[0].stderr_log);
  bool named = false;
  for (const std::string& line : log) {
    named |= line.find("unknown argument --no_such_flag") != std::string::npos;
  }
  EXPECT_TRUE(named);
}

TEST_F(SupervisorTest, MarkFinalTurnsACrashIntoAFailure) {
  auto supervisor = Make();
  ProcessSpec spec =
      Child("quitter", {"--port=0", "--port_file=" + dir_ + "/q.port"});
  spec.port_file = dir_ + "/q.port";
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  TAILOR_ASSERT_OK(supervisor->WaitForPort("quitter", Deadline()).status());
  supervisor->MarkFinal("quitter");
  TAILOR_ASSERT_OK(supervisor->Signal("quitter", SIGKILL));
  absl::Status finish = supervisor->WaitForFinish("quitter", Deadline());
  EXPECT_TRUE(absl::IsAborted(finish)) << finish;
  EXPECT_EQ(supervisor->Reports()[0].starts, 1);
}

TEST_F(SupervisorTest, ExitZeroFinishes) {
  auto supervisor = Make();
  TAILOR_ASSERT_OK(supervisor->Start(Child("job", {"--exit_code=0"})));
  TAILOR_EXPECT_OK(supervisor->WaitForFinish("job", Deadline()));
  EXPECT_EQ(supervisor->Reports()[0].state, ProcessState::kFinished);
  EXPECT_EQ(supervisor->Reports()[0].starts, 1);
}

TEST_F(SupervisorTest, FinishWaitEndsWhenAnotherProcessFails) {
  auto supervisor = Make(/*max_restarts=*/0);
  TAILOR_ASSERT_OK(supervisor->Start(Child("coordinator", {})));
  TAILOR_ASSERT_OK(supervisor->Start(Child("shard", {"--exit_code=1"})));
  absl::Status finish = supervisor->WaitForFinish("coordinator", Deadline());
  EXPECT_TRUE(absl::IsAborted(finish)) << finish;
  EXPECT_NE(finish.message().find("shard exit code 1"), std::string::npos)
      << finish;
}

TEST_F(SupervisorTest, MissingBinaryFailsToStart) {
  auto supervisor = Make();
  ProcessSpec spec;
  spec.name = "ghost";
  spec.binary = dir_ + "/no_such_binary";
  absl::Status started = supervisor->Start(spec);
  EXPECT_TRUE(absl::IsFailedPrecondition(started)) << started;
  EXPECT_NE(started.message().find("no_such_binary"), std::string::npos);
  EXPECT_TRUE(absl::IsAlreadyExists(supervisor->Start(spec)));
}

TEST_F(SupervisorTest, PortWaitFailsWhenTheProcessEnds) {
  auto supervisor = Make(/*max_restarts=*/0);
  ProcessSpec spec = Child("silent", {"--exit_code=1"});
  spec.port_file = dir_ + "/silent.port";  // never written
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  absl::StatusOr<int> port = supervisor->WaitForPort("silent", Deadline());
  EXPECT_TRUE(absl::IsAborted(port.status())) << port.status();
}

TEST_F(SupervisorTest, StopKillsTheWholeProcessGroup) {
  auto supervisor = Make();
  const std::string pid_file = dir_ + "/grandchild.pid";
  ProcessSpec spec = Child("parent", {"--grandchild_pid_file=" + pid_file});
  spec.port_file = pid_file;  // the pid file doubles as a readiness file
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  TAILOR_ASSERT_OK_AND_ASSIGN(int grandchild,
                              supervisor->WaitForPort("parent", Deadline()));
  supervisor->Stop();
  // The grandchild is gone or a zombie waiting for its reaper.
  std::ifstream stat(absl::StrCat("/proc/", grandchild, "/stat"));
  std::string text;
  std::getline(stat, text);
  if (!text.empty()) {
    const std::vector<std::string> fields = absl::StrSplit(text, ") ");
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[1][0], 'Z') << text;
  }
}

TEST_F(SupervisorTest, StopEscalatesToSigkill) {
  auto supervisor = Make(3, absl::Milliseconds(200));
  // The port file is written after SIGTERM is ignored.
  ProcessSpec spec = Child("stubborn", {"--ignore_sigterm", "--port=0",
                                        "--port_file=" + dir_ + "/s.port"});
  spec.port_file = dir_ + "/s.port";
  TAILOR_ASSERT_OK(supervisor->Start(spec));
  TAILOR_ASSERT_OK(supervisor->WaitForPort("stubborn", Deadline()).status());
  supervisor->Stop();
  const ProcessReport report = supervisor->Reports()[0];
  EXPECT_TRUE(report.last_exit.signaled);
  EXPECT_EQ(report.last_exit.signal, SIGKILL);
  EXPECT_EQ(report.state, ProcessState::kStopped);
  EXPECT_TRUE(absl::IsCancelled(supervisor->Start(Child("late", {}))));
}

TEST_F(SupervisorTest, StopProcessStopsOneWithoutRestart) {
  auto supervisor = Make();
  TAILOR_ASSERT_OK(supervisor->Start(Child("a", {})));
  TAILOR_ASSERT_OK(supervisor->Start(Child("b", {})));
  TAILOR_ASSERT_OK(supervisor->StopProcess("a"));
  EXPECT_EQ(supervisor->Pid("a"), 0);
  EXPECT_GT(supervisor->Pid("b"), 0);
  const std::vector<ProcessReport> reports = supervisor->Reports();
  EXPECT_EQ(reports[0].state, ProcessState::kStopped);
  EXPECT_EQ(reports[0].starts, 1);
  EXPECT_EQ(reports[0].restarts, 0);
  EXPECT_EQ(reports[1].state, ProcessState::kRunning);
}

}  // namespace
}  // namespace cluster
}  // namespace tailor
