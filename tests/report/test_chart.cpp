#include "apps/report/chart.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "apps/report/layout.h"
#include "apps/report/png_chart.h"
#include "engine/util/error.h"
#include "tests/report/png_decode.h"

namespace hg::report {
namespace {

std::string tmp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("hg_report_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

Chart two_lines() {
  Chart c;
  c.title = "Loss & <friends>";
  c.xlabel = "epoch";
  c.ylabel = "loss";
  Series a{"train", {1, 2, 3, 4}, {4, 3, 2, 1}};
  Series b{"val", {1, 2, 3, 4}, {5, 4, 3.5, 3}};
  Series s{"points", {1, 2}, {2, 2}, Series::Kind::Scatter};
  c.series = {a, b, s};
  return c;
}

TEST(Svg, ContainsTitleLabelsAndOnePathPerLineSeries) {
  const std::string svg = render_svg(two_lines());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>\n"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_NE(svg.find("Loss &amp; &lt;friends&gt;"), std::string::npos);  // escaped title
  EXPECT_EQ(svg.find("<friends>"), std::string::npos);
  for (const char* label : {">train<", ">val<", ">points<", ">epoch<", ">loss<"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(count(svg, "<path class=\"series\""), 2u);
  EXPECT_EQ(count(svg, "<circle"), 2u + 1u);  // two scatter points + legend marker
  // balanced tags (rough XML check): every <g opens and closes, every <text closes
  EXPECT_EQ(count(svg, "<g"), count(svg, "</g>"));
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(Svg, FixedXTicksReplaceTheNumericOnes) {
  Chart c;
  c.series = {Series{"", {0, 1, 2, 4, 5, 6}, {1, 2, 3, 1, 2, 3}, Series::Kind::Bars}};
  c.xticks = {{1, "pixels"}, {5, "latent"}, {99, "outside"}};
  const std::string svg = render_svg(c);
  EXPECT_NE(svg.find(">pixels<"), std::string::npos);
  EXPECT_NE(svg.find(">latent<"), std::string::npos);
  EXPECT_EQ(svg.find(">outside<"), std::string::npos);  // beyond the x range: dropped
  c.xticks.clear();
  EXPECT_NE(render_svg(c).find(">4<"), std::string::npos);  // automatic numeric ticks again
}

TEST(Svg, NonFiniteValuesAreSkippedAndBreakTheLine) {
  Chart c;
  c.series.push_back({"s", {1, 2, 3, 4, 5, NAN}, {1, NAN, 3, INFINITY, 5, 6}});
  const std::string svg = render_svg(c);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  // three isolated points: path has three M moves and no L
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("class=\"series\" d=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1], "M"), 3u);
  EXPECT_EQ(count(m[1], "L"), 0u);
}

TEST(Svg, EmptyChartIsValid) {
  const std::string svg = render_svg(Chart{});
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<path"), 0u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(Svg, LogYSkipsNonPositive) {
  Chart c;
  c.log_y = true;
  c.series.push_back({"s", {1, 2, 3, 4}, {1, 0, -1, 1000}});
  const std::string svg = render_svg(c);
  EXPECT_NE(svg.find(">1000<"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(Png, SignatureSizeAndLinePixels) {
  Chart c;
  c.width = 640;
  c.height = 400;
  c.xmin = 0, c.xmax = 10, c.ymin = 0, c.ymax = 10;
  c.series.push_back(
      {"", {0, 10}, {5, 5}, Series::Kind::Line, 0x0000FF, 3.0f});  // horizontal at y=5
  const std::string png = render_png(c);
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const auto im = hg::test::decode_png(png);
  ASSERT_FALSE(im.rgb.empty());
  EXPECT_EQ(im.w, 640);
  EXPECT_EQ(im.h, 400);
  // find the plot's vertical extent from the layout and sample along the line
  const auto L = detail::png_layout(c);
  const int y = static_cast<int>(L.y.map(5.0));
  int blue = 0, samples = 0;
  for (int x = static_cast<int>(L.plot.x0) + 5; x < static_cast<int>(L.plot.x1) - 5;
       x += 7, ++samples)
    if (im.at(x, y) == 0x0000FF) ++blue;
  EXPECT_EQ(blue, samples);
  // well above the line is background (white)
  EXPECT_EQ(im.at(static_cast<int>((L.plot.x0 + L.plot.x1) / 2) + 3, y - 40), 0xFFFFFFu);
}

TEST(Png, NonFiniteAndEmptyChartsRender) {
  Chart c;
  c.series.push_back({"weird", {NAN, 1, INFINITY, 3}, {1, NAN, 2, -INFINITY}});
  c.series.push_back({"empty", {}, {}});
  c.vlines.push_back({NAN, "nan line"});
  auto im = hg::test::decode_png(render_png(c));
  EXPECT_EQ(im.w, 800);
  EXPECT_EQ(im.h, 500);
  im = hg::test::decode_png(render_png(Chart{}));
  EXPECT_EQ(im.w, 800);
}

TEST(Png, ExtremeValuesAndClippedLines) {
  Chart c;
  c.series.push_back({"huge", {0, 1, 2}, {-1e300, 1e300, 1e16}});
  c.series.push_back({"flat", {1e16, 1e16 + 2}, {1, 1}, Series::Kind::Scatter});
  EXPECT_EQ(hg::test::decode_png(render_png(c)).w, 800);
  EXPECT_EQ(render_svg(c).rfind("<svg", 0), 0u);
  // a steep line mostly outside a fixed range still shows where it crosses the plot
  Chart d;
  d.xmin = 0, d.xmax = 10, d.ymin = 0, d.ymax = 10;
  d.series.push_back({"", {-1e9, 1e9}, {5, 5}, Series::Kind::Line, 0x00FF00, 3.0f});
  d.series.push_back({"", {5, 5}, {-1e12, 1e12}, Series::Kind::Line, 0xFF0000, 3.0f});
  const auto im = hg::test::decode_png(render_png(d));
  const auto L = detail::png_layout(d);
  EXPECT_EQ(im.at(static_cast<int>(L.x.map(2)), static_cast<int>(L.y.map(5))), 0x00FF00u);
  EXPECT_EQ(im.at(static_cast<int>(L.x.map(5)), static_cast<int>(L.y.map(8))), 0xFF0000u);
  const std::string svg = render_svg(d);
  EXPECT_LT(svg.size(), 20000u);
  EXPECT_EQ(svg.find("e+"), std::string::npos);
}

TEST(Chart, InvalidChartsThrow) {
  Chart c;
  c.series.push_back({"bad", {1, 2}, {1}});
  EXPECT_THROW(render_svg(c), hg::Error);
  try {
    write_png(c, "/tmp/x.png");
    FAIL();
  } catch (const hg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/x.png"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'bad'"), std::string::npos);
  }
  Chart d;
  d.width = 10;
  EXPECT_THROW(render_png(d), hg::Error);
  Chart e;
  e.log_y = true;
  e.ymin = 0;
  EXPECT_THROW(render_svg(e), hg::Error);
}

TEST(Chart, WriteChartByExtension) {
  const Chart c = two_lines();
  const std::string png = tmp_path("c.PNG"), svg = tmp_path("c.svg");
  write_chart(c, png);
  write_chart(c, svg);
  EXPECT_EQ(hg::test::read_all(png).substr(0, 4), "\x89PNG");
  EXPECT_EQ(hg::test::read_all(svg).rfind("<svg", 0), 0u);
  std::filesystem::remove(png);
  std::filesystem::remove(svg);
  try {
    write_chart(c, "/tmp/chart.jpg");
    FAIL();
  } catch (const hg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/chart.jpg"), std::string::npos);
  }
  EXPECT_THROW(write_chart(c, "/nonexistent-dir/c.png"), hg::Error);
}

TEST(Histogram, CountsHandExample) {
  // bins over [0, 4]: [0,1) [1,2) [2,3) [3,4]
  const std::vector<double> v = {0, 0.5, 1, 1.999, 2.5, 4, 4.01, -0.1, NAN, 3};
  EXPECT_EQ(histogram_counts(v, 4, 0, 4), (std::vector<double>{2, 2, 1, 2}));
  EXPECT_EQ(histogram_counts({}, 3, 0, 1), (std::vector<double>{0, 0, 0}));
  EXPECT_THROW(histogram_counts(v, 0, 0, 1), hg::Error);
  EXPECT_THROW(histogram_counts(v, 2, 1, 1), hg::Error);
}

TEST(Histogram, SharedBinsAndThreshold) {
  const Chart c = histogram_chart({{"normal", {0, 1, 1, 2}}, {"anomalous", {3, 4, NAN}}}, 4, 2.5,
                                  "scores", "score");
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].label, "normal (n=4)");
  EXPECT_EQ(c.series[1].label, "anomalous (n=2)");
  EXPECT_EQ(c.series[0].x, (std::vector<double>{0.5, 1.5, 2.5, 3.5}));
  EXPECT_EQ(c.series[0].x, c.series[1].x);
  EXPECT_EQ(c.series[0].y, (std::vector<double>{1, 2, 1, 0}));
  EXPECT_EQ(c.series[1].y, (std::vector<double>{0, 0, 0, 2}));
  ASSERT_EQ(c.vlines.size(), 1u);
  EXPECT_EQ(c.vlines[0].x, 2.5);
  EXPECT_NE(c.vlines[0].label.find("2.5"), std::string::npos);
  EXPECT_EQ(c.series[0].kind, Series::Kind::Bars);
  // renders in both formats
  EXPECT_NE(render_svg(c).find("threshold = 2.5"), std::string::npos);
  EXPECT_EQ(hg::test::decode_png(render_png(c)).w, 800);
  // degenerate inputs
  const Chart e = histogram_chart({}, 10, std::nullopt, "", "");
  EXPECT_TRUE(e.series.empty());
  const Chart one = histogram_chart({{"a", {7, 7, 7}}}, 5, std::nullopt, "", "");
  EXPECT_EQ(one.series[0].y[2], 3);
}

TEST(LossCurve, EpochsLegendAndLogScale) {
  Chart c = loss_curve_chart({1.0, 0.5, 0.25}, {1.1, 0.6, 0.4}, "t");
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].label, "train");
  EXPECT_EQ(c.series[1].label, "validation");
  EXPECT_EQ(c.series[0].x, (std::vector<double>{1, 2, 3}));
  EXPECT_FALSE(c.log_y);
  c = loss_curve_chart({10.0, 1.0, 0.1}, {}, "t");
  EXPECT_EQ(c.series.size(), 1u);
  EXPECT_TRUE(c.log_y);
  c = loss_curve_chart({}, {}, "t");
  EXPECT_TRUE(c.series.empty());
  EXPECT_FALSE(render_png(c).empty());
}

TEST(Layout, TickFormatting) {
  EXPECT_EQ(detail::format_tick(0.5, 0.5), "0.5");
  EXPECT_EQ(detail::format_tick(0.25, 0.25), "0.25");
  EXPECT_EQ(detail::format_tick(20, 5), "20");
  EXPECT_EQ(detail::format_number(1e-5), "1e-5");
  EXPECT_EQ(detail::format_number(0.001), "0.001");
  EXPECT_EQ(detail::format_number(2.5e6), "2.5e6");
}

}  // namespace
}  // namespace hg::report
