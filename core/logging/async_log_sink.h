#ifndef TAILOR_CORE_LOGGING_ASYNC_LOG_SINK_H_
#define TAILOR_CORE_LOGGING_ASYNC_LOG_SINK_H_

// A LogSink for hot paths (the ranker's per-request log): Write only copies
// the line into a bounded in-memory queue and returns; one background thread
// hands queued lines to the target sink in order. When the queue is full the
// line is dropped and counted, so a slow target (a blocked pipe, a slow
// disk) never slows the caller and memory stays bounded. The destructor
// writes whatever is still queued. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/logging/json_log.h"

namespace tailor::logging {

struct AsyncLogSinkOptions {
  LogSink* target = nullptr;       // null: StderrSink(); not owned
  size_t max_queued_lines = 4096;  // >= 1; beyond it lines are dropped
  // Called once per dropped line (e.g. to count it in a metric), with the
  // sink's lock held: it must be quick and must not write to this sink.
  std::function<void()> on_drop;
};

class AsyncLogSink final : public LogSink {
 public:
  explicit AsyncLogSink(AsyncLogSinkOptions options);
  // Writes the queued lines, then stops the thread.
  ~AsyncLogSink() override;

  AsyncLogSink(const AsyncLogSink&) = delete;
  AsyncLogSink& operator=(const AsyncLogSink&) = delete;

  void Write(absl::string_view line) override;

  // Blocks until every line queued before the call reached the target.
  void Flush();

  // Lines dropped because the queue was full, and lines written so far.
  int64_t dropped_lines() const;
  int64_t written_lines() const;

 private:
  void WriterLoop();

  const AsyncLogSinkOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t enqueued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread writer_;
};

}  // namespace tailor::logging

#endif  // TAILOR_CORE_LOGGING_ASYNC_LOG_SINK_H_
