// Metrics and threshold selection for anomaly detection on per-sample scores.
//
// Conventions shared by every function:
//  - scores: higher = more anomalous (e.g. reconstruction errors); labels: 1 = anomaly, 0 = normal.
//  - The curves (ROC, PR) flag a sample when score >= threshold and take one point per distinct
//    score: tied samples enter together, so ties give one diagonal step, never an order-dependent
//    staircase. Everything else (confusion_at and the threshold selectors) uses the STRICT rule
//    flagged = score > threshold, the rule the CLI applies (errors > threshold); the selectors
//    return values that are meant to be used with that rule.
//  - Bad input throws hg::Error with a one-line message naming the function: size mismatch, empty
//    input, a non-finite score, a label other than 0/1, and, for everything that needs both
//    classes (roc_curve, auroc, pr_curve, average_precision, best_f1_threshold, youden_threshold),
//    labels of one class only.
#pragma once
#include <cstdint>
#include <vector>

namespace hg::detect {

// One point per distinct score, thresholds descending: the first point is (0, 0) at threshold
// +inf, each next one lowers the threshold to the next distinct score value, the last one is
// (1, 1) at the smallest score. fpr[i], tpr[i] are the rates of score >= thresholds[i].
struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;
};
RocCurve roc_curve(const std::vector<double>& scores, const std::vector<int>& labels);

// Trapezoidal area under roc_curve: the probability that a random anomaly scores higher than a
// random normal sample, ties counting one half (the Mann-Whitney U statistic / (P * N)).
double auroc(const std::vector<double>& scores, const std::vector<int>& labels);

// Precision-recall points, thresholds descending like roc_curve: the first point is
// (recall 0, precision 1) at threshold +inf (scikit-learn's convention), then one point per
// distinct score value, down to recall 1 at the smallest score (precision = prevalence there).
struct PrCurve {
  std::vector<double> precision, recall, thresholds;
};
PrCurve pr_curve(const std::vector<double>& scores, const std::vector<int>& labels);

// scikit-learn's average precision: sum over the distinct thresholds of (R_n - R_{n-1}) * P_n,
// a step function (no trapezoids, no interpolation). 1 for a perfect separator; about the
// prevalence for random scores.
double average_precision(const std::vector<double>& scores, const std::vector<int>& labels);

// Counts and rates at one threshold, with flagged = score > threshold. precision = 0 when nothing
// is flagged; recall = tpr = 0 when there are no anomalies; fpr = 0 when there are no normal
// samples; f1 = 2 tp / (2 tp + fp + fn), i.e. 2PR / (P + R), and 0 when P + R = 0.
// One class only is allowed here.
struct Confusion {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double precision = 0, recall = 0, f1 = 0, tpr = 0, fpr = 0, accuracy = 0;
};
Confusion confusion_at(const std::vector<double>& scores, const std::vector<int>& labels,
                       double threshold);

// The q-th percentile (q in [0, 100]) with numpy's default linear interpolation: sorted v,
// position h = (n - 1) * q / 100, result v[floor h] + (h - floor h) * (v[floor h + 1] - v[floor
// h]). Throws for empty or non-finite values and q outside [0, 100].
double percentile(std::vector<double> values, double q);

// Threshold = the q-th percentile of scores of normal samples (e.g. q = 95 or 99 on a validation
// set of normal data): about (100 - q)% of normal samples are flagged.
double threshold_percentile(const std::vector<double>& normal_scores, double q);

// Threshold for unlabelled data with an expected share `fraction` of anomalies, in (0, 0.5]:
// percentile(scores, 100 * (1 - fraction)).
double threshold_contamination(const std::vector<double>& scores, double fraction);

// The candidate thresholds of the two selectors below: the midpoints between consecutive distinct
// sorted scores (each flags exactly the samples at or above the upper score), plus the largest
// double below the smallest score (flags everything). The threshold that maximises the criterion
// under the strict rule is returned; on ties, the larger threshold (fewer alarms) wins.
// best_f1_threshold maximises F1 and stores it in *f1; youden_threshold maximises Youden's
// J = TPR - FPR and stores it in *j.
double best_f1_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                         double* f1 = nullptr);
double youden_threshold(const std::vector<double>& scores, const std::vector<int>& labels,
                        double* j = nullptr);

// Distribution summary: mean, population standard deviation (divides by n, like numpy's std),
// min, percentiles 50/90/95/99 (as percentile() above), max, count. Throws for empty or
// non-finite values.
struct Summary {
  double mean = 0, std = 0, min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;
  int64_t n = 0;
};
Summary summarize(const std::vector<double>& values);

}  // namespace hg::detect
