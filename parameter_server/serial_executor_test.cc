#include "parameter_server/serial_executor.h"

#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(SerialExecutorTest, RunsTasksInOrderOnAnotherThread) {
  std::vector<int> order;
  const std::thread::id caller = std::this_thread::get_id();
  bool other_thread = false;
  {
    SerialExecutor executor;
    for (int i = 0; i < 100; ++i) {
      executor.Schedule([&order, &other_thread, caller, i] {
        other_thread = std::this_thread::get_id() != caller;
        order.push_back(i);
      });
    }
  }  // the destructor drains the queue
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(other_thread);
}

TEST(SerialExecutorTest, TaskMayWaitWithoutBlockingTheCaller) {
  SerialExecutor executor;
  absl::Notification go, done;
  executor.Schedule([&] {
    go.WaitForNotification();
    done.Notify();
  });
  go.Notify();  // the caller was not blocked by the waiting task
  done.WaitForNotification();
}

}  // namespace
}  // namespace tailor
