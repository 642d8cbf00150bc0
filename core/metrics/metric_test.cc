#include "core/metrics/metric.h"

#include <cmath>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tailor::metrics {
namespace {

TEST(CounterTest, IncrementsAndIgnoresNegativeDeltas) {
  Counter c;
  c.Increment();
  c.Increment(2.5);
  c.Increment(-10);
  c.Increment(std::nan(""));
  EXPECT_DOUBLE_EQ(c.value(), 3.5);
}

TEST(GaugeTest, SetsAndAdds) {
  Gauge g;
  g.Set(4);
  g.Add(-1.5);
  EXPECT_DOUBLE_EQ(g.value(), 2.5);
}

TEST(HistogramTest, CountsIntoBucketsWithInclusiveUpperBounds) {
  Histogram h({1.0, 2.0, 4.0});
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 100.0}) h.Observe(v);
  h.Observe(std::nan(""));
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 2, 1, 1}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum, 108.0);
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(ExponentialBounds(1, 2, 8));
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        h.Observe(i % 300);
        c.Increment();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Read().count, 40000u);
  EXPECT_DOUBLE_EQ(c.value(), 40000);
}

TEST(ExponentialBoundsTest, MultipliesByFactor) {
  EXPECT_EQ(ExponentialBounds(0.5, 2, 4),
            (std::vector<double>{0.5, 1.0, 2.0, 4.0}));
}

}  // namespace
}  // namespace tailor::metrics
