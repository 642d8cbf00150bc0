// Opens the HTML report of `tailor segment` in headless Chromium and checks
// the screenshot. Skipped when /usr/bin/chromium is absent (install with
// `apt-get install -y chromium`); docs/marketing.md gives the manual check.

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/marketing/tailor_runner.h"

namespace tailor {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Screenshot of `url`; returns the PNG bytes ("" on failure).
std::string Screenshot(const std::string& url, const std::string& png) {
  const std::string profile = ::testing::TempDir() + "/chromium-profile";
  const std::string cmd = absl::StrCat(
      kChromium,
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-dev-shm-usage --user-data-dir=",
      profile, " --window-size=1200,2400 --screenshot=", png, " '", url,
      "' >/dev/null 2>&1");
  if (std::system(cmd.c_str()) != 0) return "";
  return ReadAll(png);
}

TEST(HtmlReportChromiumTest, ReportRendersWithCharts) {
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << kChromium << " not installed";
  }
  const std::string dir = ::testing::TempDir() + "/chromium_report";
  WriteSmallRetailLog(dir + "/raw", 60);
  TailorRun r = RunTailor(SmallRetailIngestArgs(dir + "/raw", dir + "/ds"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = dir + "/segments.html";
  r = RunTailor(absl::StrCat("segment --dataset=", dir, "/ds --output=", dir,
                             "/segments --segment_k=3 --html=", html));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string blank_html = dir + "/blank.html";
  { std::ofstream(blank_html) << "<!DOCTYPE html><html><body></body></html>"; }
  const std::string report = Screenshot("file://" + html, dir + "/report.png");
  const std::string blank =
      Screenshot("file://" + blank_html, dir + "/blank.png");
  ASSERT_GT(report.size(), 8u) << "chromium wrote no screenshot";
  EXPECT_EQ(report.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // Charts and tables compress far worse than an empty white page.
  EXPECT_GT(report.size(), 4 * std::max<size_t>(blank.size(), 1000))
      << "report " << report.size() << " bytes, blank " << blank.size();
}

}  // namespace
}  // namespace tailor
