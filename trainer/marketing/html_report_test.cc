#include "trainer/marketing/html_report.h"

#include "gtest/gtest.h"

namespace tailor {
namespace {

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
    ++n;
  return n;
}

TEST(HtmlReportTest, BarChartHasOneRectPerBarScaledToTheMaximum) {
  const std::string svg =
      SvgBarChart("Sizes", {{"Champions", 10}, {"Lost <old>", 5}});
  EXPECT_EQ(Count(svg, "<rect"), 2);
  EXPECT_NE(svg.find("width=\"420.0\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"210.0\""), std::string::npos);
  EXPECT_NE(svg.find("Lost &lt;old&gt;"), std::string::npos);
}

TEST(HtmlReportTest, PageIsSelfContained) {
  const std::string page = HtmlPage(
      "Report", {{"A", SvgHeatmap("RxF", {"R1", "R2"}, {"F1"}, {{1}, {2}})},
                 {"B", HtmlTable({"x"}, {{"<y>"}})}});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Count(page, "<svg"), 1);
  EXPECT_EQ(Count(page, "<rect"), 2);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_NE(page.find("&lt;y&gt;"), std::string::npos);
}

}  // namespace
}  // namespace tailor
