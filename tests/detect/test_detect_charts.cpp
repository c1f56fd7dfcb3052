#include "apps/metrics/detect_charts.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "engine/util/error.h"

namespace hg::detect {
namespace {

const std::vector<double> kS = {0.1, 0.4, 0.35, 0.8};
const std::vector<int> kL = {0, 0, 1, 1};

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

void expect_unit_axes(const report::Chart& c) {
  ASSERT_TRUE(c.xmin && c.xmax && c.ymin && c.ymax);
  EXPECT_EQ(*c.xmin, 0.0);
  EXPECT_EQ(*c.xmax, 1.0);
  EXPECT_EQ(*c.ymin, 0.0);
  EXPECT_EQ(*c.ymax, 1.0);
}

void expect_png(const report::Chart& c) {
  const std::string png = report::render_png(c);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(DetectCharts, Roc) {
  const RocCurve r = roc_curve(kS, kL);
  const double a = auroc(kS, kL);
  const report::Chart c = roc_chart(r, a, std::nullopt, "ROC of <model>");
  ASSERT_EQ(c.series.size(), 2u);
  expect_unit_axes(c);
  EXPECT_EQ(c.series[0].x, r.fpr);
  EXPECT_EQ(c.series[0].y, r.tpr);
  EXPECT_EQ(c.series[1].x, (std::vector<double>{0, 1}));  // chance diagonal
  EXPECT_EQ(c.series[1].y, (std::vector<double>{0, 1}));
  const std::string svg = report::render_svg(c);
  EXPECT_NE(svg.find("AUROC = 0.750"), std::string::npos);
  EXPECT_NE(svg.find("ROC of &lt;model&gt;"), std::string::npos);
  EXPECT_EQ(count(svg, "<path class=\"series\""), 2u);
  EXPECT_EQ(count(svg, "<circle"), 0u);
  expect_png(c);

  const Confusion op = confusion_at(kS, kL, 0.225);
  const report::Chart c2 = roc_chart(r, a, std::make_pair(op.fpr, op.tpr), "ROC");
  ASSERT_EQ(c2.series.size(), 3u);
  EXPECT_EQ(c2.series[2].kind, report::Series::Kind::Scatter);
  EXPECT_EQ(c2.series[2].x, (std::vector<double>{0.5}));
  EXPECT_EQ(c2.series[2].y, (std::vector<double>{1.0}));
  const std::string svg2 = report::render_svg(c2);
  EXPECT_EQ(count(svg2, "<path class=\"series\""), 2u);
  EXPECT_EQ(count(svg2, "<circle"), 2u);  // the marker + its legend swatch
  EXPECT_NE(svg2.find("operating point"), std::string::npos);
  expect_png(c2);

  EXPECT_THROW(roc_chart(RocCurve{{0, 1}, {0}, {}}, 0.5, std::nullopt, "bad"), Error);
}

TEST(DetectCharts, PrStepsEncloseTheAveragePrecision) {
  const PrCurve p = pr_curve(kS, kL);
  const double ap = average_precision(kS, kL);
  const Confusion op = confusion_at(kS, kL, 0.225);
  const report::Chart c = pr_chart(p, ap, 0.5, std::make_pair(op.recall, op.precision), "PR");
  ASSERT_EQ(c.series.size(), 3u);
  expect_unit_axes(c);
  // the drawn line is a step function whose area is the AP (vertical segments add nothing)
  const auto& x = c.series[0].x;
  const auto& y = c.series[0].y;
  ASSERT_EQ(x.size(), y.size());
  double area = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    EXPECT_GE(x[i], x[i - 1]);
    EXPECT_TRUE(x[i] == x[i - 1] || y[i] == y[i - 1])
        << "segment " << i << " is neither vertical nor flat";
    area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
  }
  EXPECT_NEAR(area, 5.0 / 6, 1e-12);
  EXPECT_EQ(c.series[1].y, (std::vector<double>{0.5, 0.5}));  // prevalence baseline
  EXPECT_EQ(c.series[2].x, (std::vector<double>{1.0}));
  EXPECT_EQ(c.series[2].y, (std::vector<double>{2.0 / 3}));
  const std::string svg = report::render_svg(c);
  EXPECT_NE(svg.find("AP = 0.833"), std::string::npos);
  EXPECT_NE(svg.find("prevalence = 0.5"), std::string::npos);
  EXPECT_EQ(count(svg, "<path class=\"series\""), 2u);
  EXPECT_EQ(count(svg, "<circle"), 2u);
  expect_png(c);

  const report::Chart c2 = pr_chart(p, ap, 0.5, std::nullopt, "PR");
  EXPECT_EQ(c2.series.size(), 2u);
  EXPECT_EQ(count(report::render_svg(c2), "<circle"), 0u);
  EXPECT_THROW(pr_chart(PrCurve{{1}, {}, {}}, 0.5, 0.5, std::nullopt, "bad"), Error);
}

TEST(DetectCharts, ScoreHistogram) {
  const std::vector<double> normal = {0.1, 0.2, 0.2, 0.3}, anomalous = {0.8, 0.9};
  const report::Chart c = score_histogram(normal, anomalous, 0.5, "errors", "reconstruction error");
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].label, "normal (n=4)");
  EXPECT_EQ(c.series[1].label, "anomalous (n=2)");
  for (const auto& s : c.series) {
    EXPECT_EQ(s.kind, report::Series::Kind::Bars);
    ASSERT_EQ(s.y.size(), 50u);
  }
  double n0 = 0, n1 = 0;
  for (int b = 0; b < 50; ++b) n0 += c.series[0].y[b], n1 += c.series[1].y[b];
  EXPECT_EQ(n0, 4.0);
  EXPECT_EQ(n1, 2.0);
  ASSERT_EQ(c.vlines.size(), 1u);
  EXPECT_EQ(c.vlines[0].x, 0.5);
  EXPECT_EQ(c.xlabel, "reconstruction error");
  const std::string svg = report::render_svg(c);
  EXPECT_NE(svg.find("anomalous (n=2)"), std::string::npos);
  EXPECT_NE(svg.find("threshold = 0.5"), std::string::npos);
  EXPECT_EQ(count(svg, "stroke-dasharray"), 1u);
  expect_png(c);

  const report::Chart only = score_histogram(normal, {}, std::nan(""), "errors", "error");
  ASSERT_EQ(only.series.size(), 1u);
  EXPECT_EQ(only.series[0].label, "normal (n=4)");
  EXPECT_TRUE(only.vlines.empty());
  EXPECT_EQ(report::render_svg(only).find("anomalous"), std::string::npos);
  EXPECT_THROW(score_histogram({}, {}, 0.5, "t", "x"), Error);
}

}  // namespace
}  // namespace hg::detect
