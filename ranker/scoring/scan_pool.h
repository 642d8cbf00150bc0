#ifndef TAILOR_RANKER_SCORING_SCAN_POOL_H_
#define TAILOR_RANKER_SCORING_SCAN_POOL_H_

// A small fixed pool of worker threads (started by the first Run, so they
// get the priority of a serving thread) that splits one scan into parts:
// Run(parts, fn) calls fn(0..parts-1), fn(0) on the calling thread and the
// others on the workers; a caller that finishes its own part early takes
// its other parts back from the queue rather than wait for a busy worker, so
// a Run never waits on another caller's work. Used by ItemScorer for large
// catalogues (options.scan_threads). Thread-safe; the destructor joins the
// workers (no Run may be in progress).

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tailor::ranker::internal {

class ScanPool {
 public:
  // `workers` >= 1 threads.
  explicit ScanPool(int workers);
  ~ScanPool();

  // Calls fn(i) for i in [0, parts) and returns when all returned. fn must
  // not throw.
  void Run(int parts, const std::function<void(int)>& fn);

  int workers() const { return workers_; }

  ScanPool(const ScanPool&) = delete;
  ScanPool& operator=(const ScanPool&) = delete;

 private:
  struct Job;  // one Run: its function and how many parts are unfinished
  struct Task {
    std::shared_ptr<Job> job;
    int part = 0;
  };
  void WorkerLoop();
  void StartWorkers();
  static void Finish(Job* job);

  const int workers_;
  // The workers start with the first Run (see Run).
  std::once_flag started_;

  absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written once, under started_
};

}  // namespace tailor::ranker::internal

#endif  // TAILOR_RANKER_SCORING_SCAN_POOL_H_
