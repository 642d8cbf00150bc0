#ifndef TAILOR_TOOLS_BENCH_MACHINE_MACHINE_PEAKS_H_
#define TAILOR_TOOLS_BENCH_MACHINE_MACHINE_PEAKS_H_

// Measures this machine's peak fp32 FMA throughput (AVX2+FMA, 256-bit) and
// memory bandwidth, each in about `seconds`, so benchmarks can report their
// figures as a share of what the machine can do. Functions are stateless
// and may be called from any thread (they start their own OpenMP teams).

#include <string>

namespace tailor {

struct MachinePeaks {
  int threads = 0;
  double fma_gflops_1thread = 0;  // GFLOP/s, 1 FMA = 2 flops
  double fma_gflops = 0;          // all `threads`
  double read_gbps = 0;           // streaming read (sum), all threads
  double triad_gbps = 0;          // a[i] = b[i] + s*c[i], 12 bytes/element
};

// Independent FMA chains on registers; no memory traffic.
double MeasureFmaGflops(int threads, double seconds);
// Sums a 512 MiB array (twice the L3 reported by most servers would be
// better, but memory is shared); bytes read per second.
double MeasureReadGbps(int threads, double seconds);
// STREAM triad over three 192 MiB arrays, counting 12 bytes per element
// (STREAM's convention: the write-allocate read is not counted).
double MeasureTriadGbps(int threads, double seconds);

// threads <= 0: all OpenMP threads.
MachinePeaks MeasureMachinePeaks(int threads, double seconds_per_test = 1.0);

// One {"bench":"machine","case":...,"metric":...,"value":...,"unit":...}
// line per figure.
std::string MachinePeaksJsonLines(const MachinePeaks& peaks);

}  // namespace tailor

#endif  // TAILOR_TOOLS_BENCH_MACHINE_MACHINE_PEAKS_H_
