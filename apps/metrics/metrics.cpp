#include "apps/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>

#include "engine/util/error.h"

namespace hg::detect {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void check_finite(const char* fn, const std::vector<double>& v, const char* what) {
  if (v.empty()) throw Error(std::string(fn) + ": no " + what + " (empty input)");
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw Error(std::string(fn) + ": " + what + "[" + std::to_string(i) + "] is not finite (" +
                  num(v[i]) + ")");
}

struct ClassCounts {
  int64_t pos = 0, neg = 0;
};

// Validates scores/labels; with need_both, one class only is an error too.
ClassCounts check_inputs(const char* fn, const std::vector<double>& scores,
                         const std::vector<int>& labels, bool need_both) {
  if (scores.size() != labels.size())
    throw Error(std::string(fn) + ": scores and labels differ in size (" +
                std::to_string(scores.size()) + " vs " + std::to_string(labels.size()) + ")");
  check_finite(fn, scores, "scores");
  ClassCounts c;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == 1)
      ++c.pos;
    else if (labels[i] == 0)
      ++c.neg;
    else
      throw Error(std::string(fn) + ": labels[" + std::to_string(i) + "] is " +
                  std::to_string(labels[i]) + " (labels must be 0 = normal or 1 = anomaly)");
  }
  if (need_both && (c.pos == 0 || c.neg == 0))
    throw Error(std::string(fn) + ": needs both normal and anomalous samples (got " +
                std::to_string(c.neg) + " normal, " + std::to_string(c.pos) + " anomalous)");
  return c;
}

// Cumulative counts at each distinct score, scores descending: step k flags every sample with
// score >= value[k] and has tp[k] anomalies and fp[k] normal samples among them.
struct Steps {
  std::vector<double> value;
  std::vector<int64_t> tp, fp;
  ClassCounts total;
};

Steps steps(const char* fn, const std::vector<double>& scores, const std::vector<int>& labels) {
  Steps s;
  s.total = check_inputs(fn, scores, labels, true);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] == 1 ? tp : fp) += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
      s.value.push_back(scores[order[i]]);
      s.tp.push_back(tp);
      s.fp.push_back(fp);
    }
  }
  return s;
}

// The strict-rule threshold that flags exactly the samples >= value[k]: the midpoint between
// value[k] and the next lower distinct score (or that score itself when the midpoint rounds up
// to value[k]), or the largest double below the minimum for the last step.
double threshold_for_step(const Steps& s, size_t k) {
  if (k + 1 == s.value.size()) return std::nextafter(s.value[k], -kInf);
  const double hi = s.value[k], lo = s.value[k + 1];
  const double mid = lo / 2 + hi / 2;  // no overflow for huge scores
  return (lo <= mid && mid < hi) ? mid : lo;
}

}  // namespace

RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
  const Steps s = steps("roc_curve", scores, labels);
  RocCurve r;
  r.fpr.push_back(0);
  r.tpr.push_back(0);
  r.thresholds.push_back(kInf);
  const double P = static_cast<double>(s.total.pos), N = static_cast<double>(s.total.neg);
  for (size_t k = 0; k < s.value.size(); ++k) {
    r.fpr.push_back(static_cast<double>(s.fp[k]) / N);
    r.tpr.push_back(static_cast<double>(s.tp[k]) / P);
    r.thresholds.push_back(s.value[k]);
  }
  return r;
}

double auroc(const std::vector<double>& scores, const std::vector<int>& labels) {
  const Steps s = steps("auroc", scores, labels);
  // Trapezoids in counts (exact integers up to 2^53), normalised once at the end: each step adds
  // dfp * (tp_before + tp_after) / 2, i.e. dfp * dtp / 2 for the ties plus dfp * tp_before.
  double area2 = 0;  // twice the area in count units
  int64_t tp0 = 0, fp0 = 0;
  for (size_t k = 0; k < s.value.size(); ++k) {
    area2 += static_cast<double>(s.fp[k] - fp0) * static_cast<double>(s.tp[k] + tp0);
    tp0 = s.tp[k];
    fp0 = s.fp[k];
  }
  return area2 / 2 / (static_cast<double>(s.total.pos) * static_cast<double>(s.total.neg));
}

PrCurve pr_curve(const std::vector<double>& scores, const std::vector<int>& labels) {
  const Steps s = steps("pr_curve", scores, labels);
  PrCurve r;
  r.precision.push_back(1);
  r.recall.push_back(0);
  r.thresholds.push_back(kInf);
  const double P = static_cast<double>(s.total.pos);
  for (size_t k = 0; k < s.value.size(); ++k) {
    r.precision.push_back(static_cast<double>(s.tp[k]) / static_cast<double>(s.tp[k] + s.fp[k]));
    r.recall.push_back(static_cast<double>(s.tp[k]) / P);
    r.thresholds.push_back(s.value[k]);
  }
  return r;
}

double average_precision(const std::vector<double>& scores, const std::vector<int>& labels) {
  const Steps s = steps("average_precision", scores, labels);
  const double P = static_cast<double>(s.total.pos);
  double ap = 0;
  int64_t tp0 = 0;
  for (size_t k = 0; k < s.value.size(); ++k) {
    if (s.tp[k] != tp0)
      ap += static_cast<double>(s.tp[k] - tp0) / P * static_cast<double>(s.tp[k]) /
            static_cast<double>(s.tp[k] + s.fp[k]);
    tp0 = s.tp[k];
  }
  return ap;
}

Confusion confusion_at(const std::vector<double>& scores, const std::vector<int>& labels,
                       double threshold) {
  check_inputs("confusion_at", scores, labels, false);
  if (std::isnan(threshold)) throw Error("confusion_at: the threshold is NaN");
  Confusion c;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool flagged = scores[i] > threshold;
    if (labels[i] == 1)
      (flagged ? c.tp : c.fn) += 1;
    else
      (flagged ? c.fp : c.tn) += 1;
  }
  auto ratio = [](int64_t a, int64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  c.precision = ratio(c.tp, c.tp + c.fp);
  c.recall = c.tpr = ratio(c.tp, c.tp + c.fn);
  c.fpr = ratio(c.fp, c.fp + c.tn);
  c.f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);  // tp = 0 <=> P + R = 0 -> 0
  c.accuracy = ratio(c.tp + c.tn, static_cast<int64_t>(scores.size()));
  return c;
}

double percentile(std::vector<double> values, double q) {
  check_finite("percentile", values, "values");
  if (!(q >= 0 && q <= 100)) throw Error("percentile: q must be in [0, 100] (got " + num(q) + ")");
  std::sort(values.begin(), values.end());
  const double h = static_cast<double>(values.size() - 1) * (q / 100);
  const double f = std::floor(h);
  const size_t i = static_cast<size_t>(f);
  if (i + 1 >= values.size()) return values.back();
  const double a = values[i], b = values[i + 1], t = h - f, d = b - a;
  // numpy's lerp: from the nearer end, so t = 0 and t = 1 give a and b exactly
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

double threshold_percentile(const std::vector<double>& normal_scores, double q) {
  if (normal_scores.empty()) throw Error("threshold_percentile: no normal scores (empty input)");
  return percentile(normal_scores, q);
}

double threshold_contamination(const std::vector<double>& scores, double fraction) {
  if (!(fraction > 0 && fraction <= 0.5))
    throw Error("threshold_contamination: the fraction of anomalies must be in (0, 0.5] (got " +
                num(fraction) + ")");
  if (scores.empty()) throw Error("threshold_contamination: no scores (empty input)");
  return percentile(scores, 100 * (1 - fraction));
}

double best_f1_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                         double* f1) {
  const Steps s = steps("the best-F1 threshold", scores, labels);
  // F1 = 2tp / (2tp + fp + fn) = 2tp / (tp + fp + P); compared exactly as fractions.
  const int64_t P = s.total.pos;
  size_t best = 0;
  int64_t bn = -1, bd = 1;                       // best numerator / denominator
  for (size_t k = 0; k < s.value.size(); ++k) {  // thresholds descending: strict > keeps the larger
    const int64_t n = 2 * s.tp[k], d = s.tp[k] + s.fp[k] + P;
    if (static_cast<__int128>(n) * bd > static_cast<__int128>(bn) * d) best = k, bn = n, bd = d;
  }
  if (f1) *f1 = static_cast<double>(bn) / static_cast<double>(bd);
  return threshold_for_step(s, best);
}

double youden_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                        double* j) {
  const Steps s = steps("the Youden threshold", scores, labels);
  // J = tp/P - fp/N = (tp N - fp P) / (P N): compare the integer numerators.
  const int64_t P = s.total.pos, N = s.total.neg;
  size_t best = 0;
  __int128 bn = 0;
  bool have = false;
  for (size_t k = 0; k < s.value.size(); ++k) {
    const __int128 n = static_cast<__int128>(s.tp[k]) * N - static_cast<__int128>(s.fp[k]) * P;
    if (!have || n > bn) best = k, bn = n, have = true;
  }
  if (j)
    *j = static_cast<double>(s.tp[best]) / static_cast<double>(P) -
         static_cast<double>(s.fp[best]) / static_cast<double>(N);
  return threshold_for_step(s, best);
}

Summary summarize(const std::vector<double>& values) {
  check_finite("summarize", values, "values");
  std::vector<double> v = values;
  std::sort(v.begin(), v.end());
  Summary s;
  s.n = static_cast<int64_t>(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(ss / static_cast<double>(v.size()));
  s.min = v.front();
  s.max = v.back();
  s.p50 = percentile(v, 50);
  s.p90 = percentile(v, 90);
  s.p95 = percentile(v, 95);
  s.p99 = percentile(v, 99);
  return s;
}

}  // namespace hg::detect
