// K-means and TF-IDF against scikit-learn on the same data, in one run.
// Writes standardized points and texts to --workdir, times Tailor (median
// of --runs), runs tools/bench/marketing/sklearn_reference.py on the same
// files (same k, restarts, tolerance, tokenization, stop words, min_df),
// and prints one JSON object per measurement:
//   {"bench": "marketing", "case": ..., "metric": ..., "value": ..., "unit":
//   ...}
// Usage: bazel run //tools/bench/marketing:marketing_bench -- [flags]

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "trainer/marketing/kmeans.h"
#include "trainer/marketing/tfidf.h"

ABSL_FLAG(int64_t, points, 1000000, "K-means points.");
ABSL_FLAG(int32_t, dim, 16, "K-means dimensions.");
ABSL_FLAG(int32_t, k, 20, "Clusters.");
ABSL_FLAG(int32_t, restarts, 10, "K-means++ restarts (n_init) on both sides.");
ABSL_FLAG(int64_t, texts, 100000, "TF-IDF documents.");
ABSL_FLAG(int32_t, min_df, 2, "TF-IDF minimum document frequency.");
ABSL_FLAG(double, center_scale, 5.0,
          "Standard deviation of the segment centers per dimension (segment "
          "widths are 0.5..1.5): larger separates the segments more.");
ABSL_FLAG(int32_t, runs, 3, "Timed runs per side; medians are reported.");
ABSL_FLAG(std::string, workdir, "/tmp/marketing_bench", "Scratch directory.");
ABSL_FLAG(std::string, script, "tools/bench/marketing/sklearn_reference.py",
          "The scikit-learn script (path relative to the runfiles root).");
ABSL_FLAG(bool, skip_sklearn, false, "Only time Tailor.");
ABSL_FLAG(std::string, python, "/usr/bin/python3",
          "Python with Debian's python3-sklearn.");

namespace tailor {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2]
                      : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

void Emit(const std::string& c, const std::string& metric, double value,
          const std::string& unit) {
  std::printf("%s\n", nlohmann::json({{"bench", "marketing"},
                                      {"case", c},
                                      {"metric", metric},
                                      {"value", value},
                                      {"unit", unit}})
                          .dump()
                          .c_str());
  std::fflush(stdout);
}

// A mixture of k Gaussian segments of unequal sizes and widths (centers
// N(0, scale^2) per dimension, widths 0.5..1.5), standardized per column.
std::vector<float> Points(int64_t n, int dim, int k, float scale) {
  std::mt19937_64 rng(12345);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> c(k * dim), width(k), weight(k);
  for (float& v : c) v = scale * normal(rng);
  for (int a = 0; a < k; ++a) {
    width[a] = 0.5f + (rng() % 1000) / 1000.0f;
    weight[a] = 1.0f + (rng() % 4);
  }
  std::discrete_distribution<int> pick(weight.begin(), weight.end());
  std::vector<float> x(n * dim);
  for (int64_t i = 0; i < n; ++i) {
    const int a = pick(rng);
    for (int j = 0; j < dim; ++j) {
      x[i * dim + j] = c[a * dim + j] + width[a] * normal(rng);
    }
  }
  std::vector<double> sum(dim, 0), sum2(dim, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < dim; ++j) {
      sum[j] += x[i * dim + j];
      sum2[j] += double{x[i * dim + j]} * x[i * dim + j];
    }
  }
  for (int j = 0; j < dim; ++j) {
    const double m = sum[j] / n, sd = std::sqrt(sum2[j] / n - m * m);
    for (int64_t i = 0; i < n; ++i) x[i * dim + j] = (x[i * dim + j] - m) / sd;
  }
  return x;
}

// Product-description-like texts over a Zipf-ish vocabulary that mixes
// ASCII words, Latin-1 / Latin Extended-A words, capitals and punctuation.
std::vector<std::string> Texts(int64_t n) {
  const std::vector<std::string> syllables = {"ka",
                                              "lo",
                                              "mi",
                                              "RE",
                                              "tu",
                                              "ve",
                                              "sa",
                                              "no",
                                              "pi",
                                              "\xc3\xa9t",
                                              "\xc3\xbc"
                                              "b",
                                              "\xc5\x82"
                                              "a",
                                              "\xc3\x87"
                                              "o",
                                              "\xc5\x93",
                                              "gr",
                                              "\xc3\xa5r",
                                              "\xc4\x9f"
                                              "e",
                                              "\xc3\x91"
                                              "a",
                                              "st",
                                              "ch"};
  const std::vector<std::string> stop = {"the", "and", "of", "with", "for"};
  std::mt19937_64 rng(777);
  std::vector<std::string> words;
  for (int w = 0; w < 20000; ++w) {
    std::string word;
    const int parts = 1 + rng() % 3;
    for (int p = 0; p < parts; ++p) word += syllables[rng() % syllables.size()];
    words.push_back(word);
  }
  const char* seps[] = {" ", " ", " ", ", ", "-", " / ", " (", ") "};
  std::vector<std::string> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const int len = 4 + rng() % 16;
    for (int t = 0; t < len; ++t) {
      if (t > 0) out[i] += seps[rng() % 8];
      if (rng() % 6 == 0) {
        out[i] += stop[rng() % stop.size()];
      } else if (rng() % 10 == 0) {
        out[i] += std::to_string(rng() % 500);
      } else {
        // Zipf-like: the square of a uniform favours small indices.
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        out[i] += words[static_cast<size_t>(u * u * words.size())];
      }
    }
  }
  return out;
}

int Main() {
  const int64_t n = absl::GetFlag(FLAGS_points);
  const int dim = absl::GetFlag(FLAGS_dim), k = absl::GetFlag(FLAGS_k);
  const int restarts = absl::GetFlag(FLAGS_restarts);
  const int runs = absl::GetFlag(FLAGS_runs);
  const std::string dir = absl::GetFlag(FLAGS_workdir);
  std::system(absl::StrCat("mkdir -p '", dir, "'").c_str());
  Emit("machine", "threads", omp_get_max_threads(), "threads");
  const std::vector<float> x =
      Points(n, dim, k, static_cast<float>(absl::GetFlag(FLAGS_center_scale)));
  {
    std::ofstream f(dir + "/points.f32", std::ios::binary);
    const int64_t header[2] = {n, dim};
    f.write(reinterpret_cast<const char*>(header), sizeof(header));
    f.write(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
  }
  const std::string km_case = absl::StrCat("kmeans_", n, "x", dim, "_k", k);
  std::vector<double> km_times, inertias;
  for (int r = 0; r < runs; ++r) {
    tailor::KMeansOptions o;
    o.k = k;
    o.restarts = restarts;
    o.seed = r + 1;
    const auto start = std::chrono::steady_clock::now();
    auto result = RunKMeans(x, dim, o);
    km_times.push_back(Seconds(start));
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      return 1;
    }
    inertias.push_back(result->inertia);
    std::fprintf(stderr,
                 "tailor k-means run %d: %.3f s, inertia %.1f, %d iterations, "
                 "%lld distance evaluations\n",
                 r, km_times.back(), result->inertia, result->iterations,
                 static_cast<long long>(result->distance_evaluations));
  }
  Emit(km_case, "tailor_seconds", Median(km_times), "s");
  Emit(km_case, "tailor_inertia", Median(inertias), "sum sq");
  const std::vector<std::string> texts = Texts(absl::GetFlag(FLAGS_texts));
  {
    std::ofstream f(dir + "/texts.txt", std::ios::binary);
    for (const auto& t : texts) f << t << "\n";
    std::ofstream s(dir + "/stop_words.txt");
    for (const auto& w : EnglishStopWords()) s << w << "\n";
  }
  TfidfOptions to;
  to.stop_words = EnglishStopWords();
  to.min_df = absl::GetFlag(FLAGS_min_df);
  const std::string tf_case = absl::StrCat("tfidf_", texts.size(), "_texts");
  std::vector<double> tf_times;
  TfidfResult last;
  for (int r = 0; r < runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    auto result = FitTfidf(texts, {}, to);
    tf_times.push_back(Seconds(start));
    if (!result.ok()) return 1;
    last = std::move(*result);
  }
  Emit(tf_case, "tailor_seconds", Median(tf_times), "s");
  Emit(tf_case, "terms", last.model.terms.size(), "terms");
  {
    std::ofstream f(dir + "/tailor_tfidf.bin", std::ios::binary);
    const int64_t head[3] = {last.vectors.rows, last.vectors.cols,
                             last.vectors.nnz()};
    f.write(reinterpret_cast<const char*>(head), sizeof(head));
    f.write(reinterpret_cast<const char*>(last.vectors.indptr.data()),
            last.vectors.indptr.size() * 8);
    f.write(reinterpret_cast<const char*>(last.vectors.indices.data()),
            last.vectors.indices.size() * 4);
    f.write(reinterpret_cast<const char*>(last.vectors.data.data()),
            last.vectors.data.size() * 4);
    std::ofstream t(dir + "/tailor_terms.txt", std::ios::binary);
    for (const auto& term : last.model.terms) t << term << "\n";
  }
  if (absl::GetFlag(FLAGS_skip_sklearn)) return 0;
  const std::string cmd = absl::StrCat(
      absl::GetFlag(FLAGS_python), " '", absl::GetFlag(FLAGS_script), "' '",
      dir, "' ", k, " ", restarts, " ", runs, " ", absl::GetFlag(FLAGS_min_df));
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return 1;
  std::string text;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) text += buffer;
  if (pclose(pipe) != 0 || text.empty()) {
    std::fprintf(stderr, "scikit-learn reference failed: %s\n", cmd.c_str());
    return 1;
  }
  const auto sk = nlohmann::json::parse(text.substr(text.rfind('{')));
  const double sk_km = sk["kmeans_seconds"], sk_in = sk["kmeans_inertia"];
  const double sk_tf = sk["tfidf_seconds"];
  Emit(km_case, "sklearn_seconds", sk_km, "s");
  Emit(km_case, "sklearn_inertia", sk_in, "sum sq");
  Emit(km_case, "speedup_vs_sklearn", sk_km / Median(km_times), "x");
  Emit(km_case, "inertia_ratio_tailor_over_sklearn", Median(inertias) / sk_in,
       "ratio");
  Emit(tf_case, "sklearn_seconds", sk_tf, "s");
  Emit(tf_case, "speedup_vs_sklearn", sk_tf / Median(tf_times), "x");
  Emit(tf_case, "same_vocabulary", sk["tfidf_same_vocabulary"] ? 1 : 0, "bool");
  Emit(tf_case, "max_abs_diff_vs_sklearn", sk["tfidf_max_abs_diff"], "abs");
  return 0;
}

}  // namespace
}  // namespace tailor

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("K-means and TF-IDF versus scikit-learn.");
  absl::ParseCommandLine(argc, argv);
  return tailor::Main();
}
