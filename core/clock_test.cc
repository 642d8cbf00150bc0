#include "core/clock.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace tailor {
namespace {

TEST(RealClockTest, NowMovesForward) {
  const absl::Time a = RealClock()->Now();
  const absl::Time b = RealClock()->Now();
  EXPECT_LE(a, b);
  EXPECT_GT(a, absl::FromUnixSeconds(1600000000));
  RealClock()->SleepFor(absl::ZeroDuration());  // returns at once
}

TEST(FakeClockTest, StartsAtGivenTimeAndAdvances) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1005));
  EXPECT_EQ(FakeClock().Now(), absl::UnixEpoch());
}

TEST(FakeClockTest, NonPositiveSleepReturnsImmediately) {
  FakeClock clock;
  clock.SleepFor(absl::ZeroDuration());
  clock.SleepFor(absl::Seconds(-3));
  EXPECT_EQ(clock.NumSleepers(), 0);
}

TEST(FakeClockTest, SleepForWaitsUntilAdvancedPastWakeUp) {
  FakeClock clock;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepFor(absl::Seconds(10));
    woke = true;
  });
  clock.BlockUntilSleepers(1);
  clock.Advance(absl::Seconds(4));
  clock.Advance(absl::Seconds(5));
  // 9 s of the 10 s have passed: the condition is false, so still asleep.
  EXPECT_EQ(clock.NumSleepers(), 1);
  EXPECT_FALSE(woke);
  clock.Advance(absl::Seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.NumSleepers(), 0);
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Seconds(10));
}

TEST(FakeClockTest, OneAdvanceWakesOnlyTheSleepersThatAreDue) {
  FakeClock clock;
  std::atomic<int> woken{0};
  std::thread short_sleeper([&] {
    clock.SleepFor(absl::Seconds(1));
    ++woken;
  });
  std::thread long_sleeper([&] {
    clock.SleepFor(absl::Hours(1));
    ++woken;
  });
  clock.BlockUntilSleepers(2);
  clock.Advance(absl::Seconds(2));
  short_sleeper.join();
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(clock.NumSleepers(), 1);
  clock.Advance(absl::Hours(1));
  long_sleeper.join();
  EXPECT_EQ(woken, 2);
}

}  // namespace
}  // namespace tailor
