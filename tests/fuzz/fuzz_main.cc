// Standalone driver for the fuzz targets in builds without libFuzzer (the
// default gcc build): replays every seed file given on the command line (files
// or directories) and then a fixed-seed stream of mutations of them, calling
// LLVMFuzzerTestOneInput on each. Deterministic for a seed. Usage:
//   <target> [-runs=N] [-seed=S] CORPUS_DIR_OR_FILE...
// Exit 0 when every input returned without crashing. On a crash (a fatal
// signal, including the abort of an uncaught exception) the input is written
// to <artifact_prefix>crash-input (-artifact_prefix=, default the working
// directory) before the signal takes its default action.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

void Collect(const std::string& path, std::vector<std::string>* seeds) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "fuzz_main: %s: %s\n", path.c_str(),
                 std::strerror(errno));
    std::exit(2);
  }
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = opendir(path.c_str());
    std::vector<std::string> names;
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') names.push_back(entry->d_name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) Collect(path + "/" + name, seeds);
    return;
  }
  std::string bytes;
  if (!ReadFile(path, &bytes)) {
    std::fprintf(stderr, "fuzz_main: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  seeds->push_back(std::move(bytes));
}

// The input being run and where to write it on a crash: read by the signal
// handler, which may only make async-signal-safe calls.
const std::string* g_current = nullptr;
char g_crash_path[4096];

void OnFatalSignal(int sig) {
  if (g_current != nullptr) {
    const int fd = open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      const char* p = g_current->data();
      size_t left = g_current->size();
      while (left > 0) {
        const ssize_t n = write(fd, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<size_t>(n);
      }
      close(fd);
      static const char kMsg[] = "fuzz_main: crashing input written to ";
      (void)!write(2, kMsg, sizeof(kMsg) - 1);
      (void)!write(2, g_crash_path, strlen(g_crash_path));
      (void)!write(2, "\n", 1);
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallCrashHandler(const std::string& prefix) {
  std::snprintf(g_crash_path, sizeof(g_crash_path), "%scrash-input",
                prefix.c_str());
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    signal(sig, OnFatalSignal);
  }
}

void Run(const std::string& input) {
  g_current = &input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
  g_current = nullptr;
}

// One random edit of the kinds libFuzzer's default mutators make.
std::string Mutate(const std::vector<std::string>& seeds,
                   std::mt19937_64& rng) {
  std::string s = seeds[rng() % seeds.size()];
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t n = s.size();
    switch (rng() % 8) {
      case 0:  // flip a bit
        if (n > 0) s[rng() % n] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // random byte
        if (n > 0) s[rng() % n] = static_cast<char>(rng());
        break;
      case 2: {  // interesting 4- or 8-byte value
        static const uint64_t kValues[] = {
            0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0xffffffff, ~0ull >> 1, ~0ull};
        const uint64_t v = kValues[rng() % 9];
        const size_t width = (rng() % 2) ? 8 : 4;
        if (n >= width) std::memcpy(&s[rng() % (n - width + 1)], &v, width);
        break;
      }
      case 3:  // truncate
        if (n > 0) s.resize(rng() % n);
        break;
      case 4: {  // erase a range
        if (n > 0) {
          const size_t at = rng() % n;
          s.erase(at, 1 + rng() % std::min<size_t>(64, n - at));
        }
        break;
      }
      case 5: {  // insert random bytes
        const size_t at = n > 0 ? rng() % (n + 1) : 0;
        std::string bytes(1 + rng() % 16, '\0');
        for (char& c : bytes) c = static_cast<char>(rng());
        s.insert(at, bytes);
        break;
      }
      case 6: {  // duplicate a chunk
        if (n > 0) {
          const size_t at = rng() % n;
          const size_t len = 1 + rng() % std::min<size_t>(128, n - at);
          s.insert(rng() % (n + 1), s.substr(at, len));
        }
        break;
      }
      default: {  // splice with another seed
        const std::string& other = seeds[rng() % seeds.size()];
        if (!other.empty()) {
          const size_t cut = rng() % (s.size() + 1);
          s = s.substr(0, cut) + other.substr(rng() % other.size());
        }
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 2000;
  unsigned long long seed = 1;
  std::string artifact_prefix;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("-runs=", 0) == 0) {
      runs = std::atol(arg.c_str() + 6);
    } else if (arg.rfind("-seed=", 0) == 0) {
      seed = std::strtoull(arg.c_str() + 6, nullptr, 10);
    } else if (arg.rfind("-artifact_prefix=", 0) == 0) {
      artifact_prefix = arg.substr(17);
    } else if (!arg.empty() && arg[0] == '-') {
      continue;  // libFuzzer options are accepted and ignored
    } else {
      Collect(arg, &seeds);
    }
  }
  if (seeds.empty()) seeds.push_back("");
  InstallCrashHandler(artifact_prefix);
  for (const std::string& s : seeds) Run(s);
  std::mt19937_64 rng(seed);
  for (long r = 0; r < runs; ++r) Run(Mutate(seeds, rng));
  std::fprintf(stderr, "fuzz_main: %zu seeds and %ld mutations, no crash\n",
               seeds.size(), runs);
  return 0;
}
