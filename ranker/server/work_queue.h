#ifndef TAILOR_RANKER_SERVER_WORK_QUEUE_H_
#define TAILOR_RANKER_SERVER_WORK_QUEUE_H_

// A fixed pool of worker threads fed by a bounded FIFO queue. The gRPC
// adapter hands each Rank computation to it so gRPC's callback threads never
// run model code, and so an overloaded server refuses work
// (RESOURCE_EXHAUSTED) instead of queueing without bound. Thread-safe.

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tailor::ranker {

struct WorkQueueOptions {
  // Worker threads (>= 1).
  int threads = 2;
  // Tasks waiting (not yet running) beyond which TrySchedule refuses.
  int max_queued = 1024;
};

class WorkQueue {
 public:
  explicit WorkQueue(const WorkQueueOptions& options);
  // Runs every task already accepted, then joins the workers.
  ~WorkQueue();

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `task`; false (and `task` is dropped unrun) when max_queued tasks
  // are already waiting or the queue is shutting down.
  bool TrySchedule(std::function<void()> task);

  int queued() const;
  int threads() const { return static_cast<int>(workers_.size()); }

 private:
  void WorkerLoop();

  const int max_queued_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace tailor::ranker

#endif  // TAILOR_RANKER_SERVER_WORK_QUEUE_H_
