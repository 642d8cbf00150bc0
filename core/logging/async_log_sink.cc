#include "core/logging/async_log_sink.h"

#include <utility>
#include <vector>

namespace tailor::logging {

AsyncLogSink::AsyncLogSink(AsyncLogSinkOptions options)
    : options_([&] {
        if (options.target == nullptr) options.target = StderrSink();
        if (options.max_queued_lines < 1) options.max_queued_lines = 1;
        return options;
      }()) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AsyncLogSink::~AsyncLogSink() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

void AsyncLogSink::Write(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= options_.max_queued_lines) {
    ++dropped_;
    if (options_.on_drop) options_.on_drop();
    return;
  }
  queue_.emplace_back(line);
  ++enqueued_;
}

void AsyncLogSink::Flush() {
  absl::MutexLock lock(&mu_);
  const int64_t target = enqueued_;
  auto done = [this, target]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return written_ >= target;
  };
  mu_.Await(absl::Condition(&done));
}

int64_t AsyncLogSink::dropped_lines() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

int64_t AsyncLogSink::written_lines() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

void AsyncLogSink::WriterLoop() {
  std::vector<std::string> batch;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping and nothing left
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    // The target is called without the lock, so writers never wait on it.
    for (const std::string& line : batch) options_.target->Write(line);
    absl::MutexLock lock(&mu_);
    written_ += static_cast<int64_t>(batch.size());
    batch.clear();
  }
}

}  // namespace tailor::logging
