#ifndef TAILOR_CORE_CLOCK_H_
#define TAILOR_CORE_CLOCK_H_

// The clock seam: code that reads time or waits takes a Clock*.

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tailor {

// Source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // Blocks the caller for `d` of this clock's time.
  virtual void SleepFor(absl::Duration d) = 0;
};

// The real wall clock. Never null; not owned by the caller.
Clock* RealClock();

// A clock that moves only when told; SleepFor returns once another thread
// has advanced the clock past the wake-up time. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch()) : now_(start) {}
  absl::Time Now() override;
  void SleepFor(absl::Duration d) override;
  // Moves the clock forward by `d` (>= 0) and wakes sleepers that are due.
  void Advance(absl::Duration d);
  // Threads currently blocked in SleepFor.
  int NumSleepers();
  // Blocks until at least `n` threads are blocked in SleepFor, so a test can
  // advance the clock knowing the sleepers have registered their wake-ups.
  void BlockUntilSleepers(int n);

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int num_sleepers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tailor

#endif  // TAILOR_CORE_CLOCK_H_
