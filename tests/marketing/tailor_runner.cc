#include "tests/marketing/tailor_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace tailor {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TailorRun RunTailor(const std::string& args) {
  static int counter = 0;
  const std::string base =
      absl::StrCat(::testing::TempDir(), "/run", getpid(), "_", counter++);
  const std::string cmd = absl::StrCat("tools/tailor/tailor ", args, " >", base,
                                       ".out 2>", base, ".err");
  TailorRun r;
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  std::vector<std::string> lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  if (!lines.empty()) {
    r.json = nlohmann::json::parse(lines.back(), nullptr, false);
    if (r.json.is_discarded()) r.json = nullptr;
  }
  return r;
}

void WriteSmallRetailLog(const std::string& dir, int users) {
  std::system(absl::StrCat("mkdir -p '", dir, "'").c_str());
  std::mt19937_64 rng(5);
  std::ofstream in(dir + "/interactions.csv");
  in << "user,item,quantity,ts,price\n";
  const int64_t t0 = 1700000000;
  for (int u = 0; u < users; ++u) {
    const int group = u % 3;  // 0: frequent big spenders, 1: lapsed, 2: new
    const int events = group == 0   ? 20 + u % 7
                       : group == 1 ? 3 + u % 3
                                    : 1 + u % 2;
    for (int e = 0; e < events; ++e) {
      const int item = (group * 10 + static_cast<int>(rng() % 10)) % 30;
      int64_t t = group == 1   ? t0 + (rng() % 60) * 86400
                  : group == 0 ? t0 + (rng() % 365) * 86400
                               : t0 + (350 + rng() % 15) * 86400;
      t += (rng() % 24) * 3600;
      in << "c" << u << ",p" << item << "," << 1 + rng() % 5 << "," << t << ","
         << (group == 0 ? 20.5 : 2.25) << "\n";
    }
  }
  in << "c0,p0,1," << t0 + 365 * 86400 << ",1.5\n";  // the end time
  std::ofstream us(dir + "/users.csv");
  us << "user,country,age\n";
  for (int u = 0; u < users; u += 2) {  // odd users have no attributes
    us << "c" << u << "," << (u % 4 == 0 ? "United Kingdom" : "France") << ","
       << 20 + u % 50 << "\n";
  }
  std::ofstream it(dir + "/items.csv");
  it << "item,description,category\n";
  const char* words[] = {"red", "blue",   "café",  "mug",     "lantern",
                         "bag", "candle", "heart", "ceramic", "Ünique"};
  for (int i = 0; i < 30; ++i) {
    if (i == 29) {
      it << "p29,,\n";  // no text, empty category
      continue;
    }
    it << "p" << i << "," << words[i % 10] << " " << words[(i / 3) % 10]
       << " holder," << (i % 5 == 4 ? "" : (i < 10 ? "kitchen" : "decor|gift"))
       << "\n";
  }
}

std::string SmallRetailIngestArgs(const std::string& dir,
                                  const std::string& output) {
  return absl::StrCat(
      "ingest --input=", dir,
      "/interactions.csv --user_col=user "
      "--item_col=item --quantity_col=quantity --price_col=price "
      "--timestamp_col=ts --timestamp_format=unix --has_header "
      "--users_file=",
      dir, "/users.csv --items_file=", dir,
      "/items.csv --attr_id_col=0 --output=", output, " --json");
}

std::string SharedDataDir(const std::string& source) {
  char real[PATH_MAX];
  if (realpath(source.c_str(), real) == nullptr) return "";
  std::string path(real);
  const std::string suffix = "/" + source;
  if (path.size() <= suffix.size()) return "";
  path.resize(path.size() - suffix.size());
  const std::string data = path + "/../shared/data";
  return access(data.c_str(), R_OK) == 0 ? data : "";
}

}  // namespace tailor
