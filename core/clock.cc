#include "core/clock.h"

#include "absl/time/clock.h"

namespace tailor {
namespace {

class RealClockImpl final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
};

}  // namespace

Clock* RealClock() {
  static Clock* const clock = new RealClockImpl();
  return clock;
}

absl::Time FakeClock::Now() {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::SleepFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  const absl::Time wake = now_ + d;
  ++num_sleepers_;
  struct Due {
    const absl::Time* now;
    absl::Time wake;
    bool operator()() const { return *now >= wake; }
  };
  Due due{&now_, wake};
  mu_.Await(absl::Condition(&due));
  --num_sleepers_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

int FakeClock::NumSleepers() {
  absl::MutexLock lock(&mu_);
  return num_sleepers_;
}

void FakeClock::BlockUntilSleepers(int n) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return num_sleepers_ >= n;
  };
  mu_.Await(absl::Condition(&enough));
}

}  // namespace tailor
