#include "core/logging/async_log_sink.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace tailor::logging {
namespace {

// Records lines; while `gate` is set, Write blocks until it is notified (a
// stuck target).
class RecordingSink : public LogSink {
 public:
  void Write(absl::string_view line) override {
    absl::Notification* gate = nullptr;
    {
      absl::MutexLock lock(&mu_);
      gate = gate_;
      ++entered_;
    }
    if (gate != nullptr) gate->WaitForNotification();
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(line);
  }
  void set_gate(absl::Notification* gate) {
    absl::MutexLock lock(&mu_);
    gate_ = gate;
  }
  void AwaitEntered(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return entered_ >= n;
    };
    mu_.Await(absl::Condition(&reached));
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  absl::Notification* gate_ ABSL_GUARDED_BY(mu_) = nullptr;
  int entered_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

TEST(AsyncLogSinkTest, WritesEveryLineInOrder) {
  RecordingSink target;
  AsyncLogSink sink({&target, 1000});
  for (int i = 0; i < 200; ++i) sink.Write(absl::StrCat("line ", i, "\n"));
  sink.Flush();
  const std::vector<std::string> lines = target.lines();
  ASSERT_EQ(lines.size(), 200u);
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(lines[i], absl::StrCat("line ", i, "\n"));
  EXPECT_EQ(sink.written_lines(), 200);
  EXPECT_EQ(sink.dropped_lines(), 0);
}

TEST(AsyncLogSinkTest, DropsAndCountsWhenTheTargetIsStuck) {
  RecordingSink target;
  absl::Notification release;
  target.set_gate(&release);
  int on_drop_calls = 0;
  AsyncLogSink sink({&target, 3, [&on_drop_calls] { ++on_drop_calls; }});
  sink.Write("first\n");
  // The writer holds "first" inside the stuck target; the queue is empty.
  target.AwaitEntered(1);
  for (int i = 0; i < 10; ++i) sink.Write(absl::StrCat("queued ", i, "\n"));
  // Three fit in the queue, seven are dropped, and no Write blocked.
  EXPECT_EQ(sink.dropped_lines(), 7);
  EXPECT_EQ(on_drop_calls, 7);
  target.set_gate(nullptr);
  release.Notify();
  sink.Flush();
  EXPECT_EQ(target.lines(),
            (std::vector<std::string>{"first\n", "queued 0\n", "queued 1\n",
                                      "queued 2\n"}));
  EXPECT_EQ(sink.written_lines(), 4);
}

TEST(AsyncLogSinkTest, DestructorWritesWhatIsQueued) {
  RecordingSink target;
  {
    AsyncLogSink sink({&target, 100});
    for (int i = 0; i < 50; ++i) sink.Write("x\n");
  }
  EXPECT_EQ(target.lines().size(), 50u);
}

TEST(AsyncLogSinkTest, ConcurrentWritersLoseNoLineBelowTheBound) {
  RecordingSink target;
  AsyncLogSink sink({&target, 100000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sink, t] {
      for (int i = 0; i < 1000; ++i) sink.Write(absl::StrCat(t, ":", i, "\n"));
    });
  }
  for (std::thread& t : threads) t.join();
  sink.Flush();
  EXPECT_EQ(target.lines().size(), 4000u);
  EXPECT_EQ(sink.dropped_lines(), 0);
}

}  // namespace
}  // namespace tailor::logging
