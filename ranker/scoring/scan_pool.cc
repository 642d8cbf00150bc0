#include "ranker/scoring/scan_pool.h"

#include <mutex>
#include <utility>

namespace tailor::ranker::internal {

struct ScanPool::Job {
  const std::function<void(int)>* fn = nullptr;
  absl::Mutex mu;
  int pending ABSL_GUARDED_BY(mu) = 0;
};

ScanPool::ScanPool(int workers) : workers_(workers < 1 ? 1 : workers) {}

ScanPool::~ScanPool() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void ScanPool::StartWorkers() {
  threads_.reserve(workers_);
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

void ScanPool::Finish(Job* job) {
  absl::MutexLock lock(&job->mu);
  --job->pending;
}

void ScanPool::WorkerLoop() {
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ScanPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->stop_ || !pool->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stop_ and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    (*task.job->fn)(task.part);
    Finish(task.job.get());
  }
}

void ScanPool::Run(int parts, const std::function<void(int)>& fn) {
  if (parts <= 0) return;
  // Started by the first Run, i.e. by a serving thread: threads inherit
  // their creator's scheduling priority, and a model is often built on a
  // low-priority loading thread.
  std::call_once(started_, [this] { StartWorkers(); });
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  {
    absl::MutexLock lock(&job->mu);
    job->pending = parts - 1;
  }
  if (parts > 1) {
    absl::MutexLock lock(&mu_);
    for (int i = 1; i < parts; ++i) queue_.push_back({job, i});
  }
  fn(0);
  // Take back this job's parts that no worker has started.
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->job == job) {
          task = std::move(*it);
          queue_.erase(it);
          break;
        }
      }
    }
    if (task.job == nullptr) break;
    fn(task.part);
    Finish(job.get());
  }
  absl::MutexLock lock(&job->mu);
  job->mu.Await(absl::Condition(
      +[](Job* j)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(j->mu) { return j->pending == 0; },
      job.get()));
}

}  // namespace tailor::ranker::internal
