#include "tools/cluster/restart_policy.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace tailor {
namespace cluster {
namespace {

struct Case {
  ExitStatus exit;
  int restarts_so_far;
  bool stopping;
  RestartDecision want;
};

TEST(RestartPolicyTest, DecisionTable) {
  RestartPolicyOptions options;
  options.max_restarts = 2;
  options.permanent_exit_codes = {2, 64};
  const ExitStatus ok{false, 0, 0}, one{false, 1, 0}, usage{false, 2, 0},
      other_permanent{false, 64, 0}, killed{true, 0, SIGKILL},
      segv{true, 0, SIGSEGV};
  const Case cases[] = {
      {ok, 0, false, RestartDecision::kFinished},
      {ok, 5, false, RestartDecision::kFinished},
      {one, 0, false, RestartDecision::kRestart},
      {one, 1, false, RestartDecision::kRestart},
      {one, 2, false, RestartDecision::kTooManyRestarts},
      {killed, 0, false, RestartDecision::kRestart},
      {segv, 1, false, RestartDecision::kRestart},
      {killed, 2, false, RestartDecision::kTooManyRestarts},
      {usage, 0, false, RestartDecision::kPermanentFailure},
      {other_permanent, 0, false, RestartDecision::kPermanentFailure},
      {killed, 0, true, RestartDecision::kStopped},
      {ok, 0, true, RestartDecision::kStopped},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecideRestart(c.exit, c.restarts_so_far, c.stopping, options),
              c.want)
        << DescribeExit(c.exit) << " after " << c.restarts_so_far
        << " restarts, stopping=" << c.stopping;
  }
}

TEST(RestartPolicyTest, SignalNumberIsNotAnExitCode) {
  // Signal 2 (SIGINT) is a crash even though exit code 2 is permanent.
  RestartPolicyOptions options;
  EXPECT_EQ(DecideRestart({true, 0, 2}, 0, false, options),
            RestartDecision::kRestart);
}

TEST(RestartPolicyTest, ZeroRestartsAllowed) {
  RestartPolicyOptions options;
  options.max_restarts = 0;
  EXPECT_EQ(DecideRestart({true, 0, SIGKILL}, 0, false, options),
            RestartDecision::kTooManyRestarts);
}

TEST(RestartPolicyTest, DescribeExit) {
  EXPECT_EQ(DescribeExit({false, 3, 0}), "exit code 3");
  EXPECT_NE(DescribeExit({true, 0, SIGKILL}).find("signal 9"),
            std::string::npos);
}

}  // namespace
}  // namespace cluster
}  // namespace tailor
