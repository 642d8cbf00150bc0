#include "tools/bench/machine/machine_peaks.h"

#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "absl/strings/str_format.h"

namespace tailor {
namespace {

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int Resolve(int threads) {
  return threads > 0 ? threads : omp_get_max_threads();
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// `run(reps)` returns the seconds it was busy: per parallel region, the
// largest CPU time of any thread (so time lost to other processes on a
// shared machine does not count). Grows reps until a run takes >= 1/16 of
// the budget, then makes three runs of a third of the budget each and
// returns (reps, busy seconds) of the fastest.
std::pair<double, double> Calibrate(const std::function<double(int64_t)>& run,
                                    double seconds) {
  int64_t reps = 1;
  for (;;) {
    const double t0 = Now();
    const double busy = run(reps);
    const double dt = std::max(busy, 1e-9);
    if (Now() - t0 >= seconds / 16 || reps > (int64_t{1} << 40)) {
      const int64_t final_reps =
          std::max<int64_t>(1, static_cast<int64_t>(reps * seconds / 3 / dt));
      double best = 1e300;
      for (int trial = 0; trial < 3; ++trial) {
        best = std::min(best, run(final_reps));
      }
      return {static_cast<double>(final_reps), best};
    }
    reps *= 2;
  }
}

// Runs body(thread) on t threads; returns the largest thread CPU time.
double TimedParallel(int t, const std::function<void(int)>& body) {
  std::vector<double> busy(t, 0.0);
#pragma omp parallel num_threads(t)
  {
    const int id = omp_get_thread_num();
    const double c0 = ThreadCpuSeconds();
    body(id);
    busy[id] = ThreadCpuSeconds() - c0;
  }
  return *std::max_element(busy.begin(), busy.end());
}

float FmaChains(int64_t reps) {
  // 12 independent chains cover 4-cycle latency on 2 FMA ports with room.
  __m256 a[12];
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.0f + i);
  for (int64_t r = 0; r < reps; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], m, c);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

float* AllocateFloats(size_t n) {
  float* p = static_cast<float*>(std::aligned_alloc(64, n * sizeof(float)));
  return p;
}

}  // namespace

double MeasureFmaGflops(int threads, double seconds) {
  const int t = Resolve(threads);
  volatile float sink = 0;
  auto [reps, dt] = Calibrate(
      [&](int64_t r) {
        return TimedParallel(t, [&](int) {
          const float v = FmaChains(r);
          if (v == 12345.0f) sink = v;
        });
      },
      seconds);
  return reps * t * 12 * 8 * 2 / dt / 1e9;
}

double MeasureReadGbps(int threads, double seconds) {
  const int t = Resolve(threads);
  const size_t n = (512u << 20) / sizeof(float);
  float* a = AllocateFloats(n);
  if (a == nullptr) return 0;
#pragma omp parallel for schedule(static) num_threads(t)
  for (size_t i = 0; i < n; ++i) a[i] = 1.0f;  // first touch, same threads
  volatile float sink = 0;
  auto [reps, dt] = Calibrate(
      [&](int64_t r) {
        double busy = 0;
        for (int64_t rep = 0; rep < r; ++rep) {
          busy += TimedParallel(t, [&](int id) {
            const size_t lo = n / t * id,
                         hi = id + 1 == t ? n : n / t * (id + 1);
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t i = lo; i < hi; i += 32) {
              s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
              s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
              s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
              s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
            }
            float out[8];
            _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(s0, s1),
                                                _mm256_add_ps(s2, s3)));
            if (out[0] == 12345.0f) sink = out[0];
          });
        }
        return busy;
      },
      seconds);
  std::free(a);
  return reps * n * sizeof(float) / dt / 1e9;
}

double MeasureTriadGbps(int threads, double seconds) {
  const int t = Resolve(threads);
  const size_t n = (192u << 20) / sizeof(float);
  float* a = AllocateFloats(n);
  float* b = AllocateFloats(n);
  float* c = AllocateFloats(n);
  if (a == nullptr || b == nullptr || c == nullptr) {
    std::free(a);
    std::free(b);
    std::free(c);
    return 0;
  }
#pragma omp parallel for schedule(static) num_threads(t)
  for (size_t i = 0; i < n; ++i) {
    a[i] = 0.0f;
    b[i] = 1.0f;
    c[i] = 2.0f;
  }
  auto [reps, dt] = Calibrate(
      [&](int64_t r) {
        double busy = 0;
        for (int64_t rep = 0; rep < r; ++rep) {
          const float s = 0.5f + rep * 1e-9f;
          busy += TimedParallel(t, [&](int id) {
            const size_t lo = n / t / 8 * 8 * id;
            const size_t hi = id + 1 == t ? n : n / t / 8 * 8 * (id + 1);
            for (size_t i = lo; i < hi; ++i) a[i] = b[i] + s * c[i];
          });
        }
        return busy;
      },
      seconds);
  volatile float sink = a[n / 2];
  (void)sink;
  std::free(a);
  std::free(b);
  std::free(c);
  return reps * n * 12.0 / dt / 1e9;
}

MachinePeaks MeasureMachinePeaks(int threads, double seconds_per_test) {
  MachinePeaks p;
  p.threads = Resolve(threads);
  p.fma_gflops_1thread = MeasureFmaGflops(1, seconds_per_test);
  p.fma_gflops = MeasureFmaGflops(p.threads, seconds_per_test);
  p.read_gbps = MeasureReadGbps(p.threads, seconds_per_test);
  p.triad_gbps = MeasureTriadGbps(p.threads, seconds_per_test);
  return p;
}

std::string MachinePeaksJsonLines(const MachinePeaks& p) {
  auto line = [](const std::string& c, const char* metric, double v,
                 const char* unit) {
    return absl::StrFormat(
        "{\"bench\": \"machine\", \"case\": \"%s\", \"metric\": \"%s\", "
        "\"value\": %.3f, \"unit\": \"%s\"}\n",
        c, metric, v, unit);
  };
  const std::string all = absl::StrFormat("%dthreads", p.threads);
  return line("fma_fp32_avx2_1thread", "peak_flops", p.fma_gflops_1thread,
              "GFLOP/s") +
         line("fma_fp32_avx2_" + all, "peak_flops", p.fma_gflops, "GFLOP/s") +
         line("stream_read_" + all, "bandwidth", p.read_gbps, "GB/s") +
         line("stream_triad_" + all, "bandwidth", p.triad_gbps, "GB/s");
}

}  // namespace tailor
