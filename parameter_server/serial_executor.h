#ifndef TAILOR_PARAMETER_SERVER_SERIAL_EXECUTOR_H_
#define TAILOR_PARAMETER_SERVER_SERIAL_EXECUTOR_H_

// One background thread that runs queued closures in order: the place where
// the shard does blocking work (checkpoint and restore IO) so that gRPC
// reactor threads never block. The destructor runs what is queued, then
// joins. Thread-safe.

#include <deque>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace tailor {

class SerialExecutor {
 public:
  SerialExecutor();
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Queues `task`; it runs on the executor's thread after earlier tasks.
  void Schedule(std::function<void()> task);

 private:
  void Loop();
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace tailor

#endif  // TAILOR_PARAMETER_SERVER_SERIAL_EXECUTOR_H_
