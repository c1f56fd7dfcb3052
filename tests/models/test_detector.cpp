// The anomaly detector on top of a trained run: threshold rules, every score kind against a
// direct computation, the saved detector scoring identically after a reload, ensembles, and
// the errors for unusable labels and scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "apps/analysis/ecod.h"
#include "apps/analysis/isolation_forest.h"
#include "apps/analysis/lof.h"
#include "apps/analysis/pca_outlier.h"
#include "apps/detect/detector.h"
#include "apps/metrics/metrics.h"
#include "apps/run/run_data.h"
#include "apps/train/trainer.h"
#include "engine/data/synthetic.h"
#include "engine/util/error.h"

namespace hg {
namespace {

namespace fs = std::filesystem;

// One small run on the synthetic table's normal rows, trained once for the whole file.
const std::string& tabular_run() {
  static const std::string dir = [] {
    fs::path p = fs::temp_directory_path() / ("hg_detector_" + std::to_string(::getpid()));
    fs::remove_all(p);
    train::TrainOptions o;
    o.data = "synthetic";
    o.config = std::string(HG_SOURCE_DIR) +
               "/models/configs/tabular_seeds.json";  // the fixed D-5-2 model: the tests below know
                                                      // its sizes
    o.epochs = 20;
    o.classes = "0";
    o.threads = 2;
    o.device = "cpu";
    o.out = p.string();
    std::ostringstream log;
    train::train(o, log);
    return p.string();
  }();
  return dir;
}

const run::LoadedRun& tabular_loaded() {
  static const run::LoadedRun r = run::load_run(tabular_run());
  return r;
}

data::Dataset synthetic(const std::string& classes = "") {
  run::DataRequest q;
  q.spec = "synthetic";
  q.classes = classes;
  return run::load_selection(q, 10, "synthetic");
}

detect::LoadedDetector fitted(detect::ScoreKind kind) {
  detect::Detector d;
  d.members = detect::make_members({"."}, {kind});
  d.normal_classes = {0};
  detect::LoadedDetector ld(tabular_run(), d, Device::cpu());
  ld.fit_members(synthetic("0"));
  return ld;
}

TEST(Detector, ThresholdRulesParseAndReject) {
  EXPECT_EQ(detect::parse_threshold("percentile:99", "--t").param, 99.0);
  EXPECT_EQ(detect::parse_threshold("contamination:0.05", "--t").kind,
            detect::ThresholdRule::Kind::Contamination);
  EXPECT_EQ(detect::parse_threshold("value:-2.5", "--t").param, -2.5);
  EXPECT_TRUE(detect::parse_threshold("f1", "--t").needs_labels());
  EXPECT_TRUE(detect::parse_threshold("youden", "--t").needs_labels());
  for (const char* bad :
       {"percentile", "percentile:101", "percentile:x", "contamination:0.7", "value:nan", "f2", ""})
    EXPECT_THROW(detect::parse_threshold(bad, "--t"), UsageError) << bad;
  EXPECT_THROW(detect::parse_score_kind("l2", "--score"), UsageError);
}

TEST(Detector, MseScoreIsTheMeanSquaredReconstructionError) {
  detect::LoadedDetector ld = fitted(detect::ScoreKind::MSE);
  data::Dataset d = synthetic();
  const std::vector<double> s = ld.score(d);
  const std::vector<float> fe = ld.feature_errors(d);
  ASSERT_EQ(s.size(), static_cast<size_t>(d.n));
  for (int64_t i = 0; i < d.n; i += 97) {
    double m = 0;
    for (int64_t j = 0; j < 10; ++j) m += fe[i * 10 + j] / 10.0;
    EXPECT_NEAR(s[i], m, 1e-5 * (1 + m)) << i;
  }
}

TEST(Detector, MaxAndFeatureCountFollowThePerFeatureErrors) {
  data::Dataset d = synthetic();
  detect::LoadedDetector mx = fitted(detect::ScoreKind::Max);
  detect::LoadedDetector fc = fitted(detect::ScoreKind::FeatureCount);
  const std::vector<float> fe = mx.feature_errors(d);
  const std::vector<double> smax = mx.score(d), scount = fc.score(d);
  const std::vector<double>& thr = fc.detector().members[0].state.feature_thresholds;
  ASSERT_EQ(thr.size(), 10u);
  for (int64_t i = 0; i < d.n; i += 53) {
    double m = 0, c = 0;
    for (int64_t j = 0; j < 10; ++j)
      m = std::max<double>(m, fe[i * 10 + j]), c += fe[i * 10 + j] > thr[j];
    EXPECT_NEAR(smax[i], m, 1e-6 * (1 + m));
    EXPECT_EQ(scount[i], c);
  }
  // About 1% of normal rows exceed each feature's 99th percentile.
  data::Dataset normal = synthetic("0");
  const std::vector<double> cn = fc.score(normal);
  double mean = 0;
  for (double v : cn) mean += v / static_cast<double>(cn.size());
  EXPECT_NEAR(mean, 0.1, 0.03);
}

TEST(Detector, MahalanobisMatchesTheFittedGaussian) {
  detect::LoadedDetector ld = fitted(detect::ScoreKind::Mahalanobis);
  const detect::ScoreState& st = ld.detector().members[0].state;
  ASSERT_EQ(st.latent_mean.size(), 2u);
  // On the normal data the mean squared distance is about the latent dimension (2).
  const std::vector<double> s = ld.score(synthetic("0"));
  double mean = 0;
  for (double v : s) mean += v / static_cast<double>(s.size());
  EXPECT_NEAR(mean, 2.0, 0.05);
  // Precision times covariance is the identity: check symmetric and positive definite.
  EXPECT_NEAR(st.latent_precision[1], st.latent_precision[2], 1e-9);
  EXPECT_GT(st.latent_precision[0] * st.latent_precision[3] -
                st.latent_precision[1] * st.latent_precision[2],
            0);
  // The anomalies lie well outside the normal codes.
  const std::vector<double> sa = ld.score(synthetic("1"));
  double amean = 0;
  for (double v : sa) amean += v / static_cast<double>(sa.size());
  EXPECT_GT(amean, 3 * mean);
}

TEST(Detector, KnnIsTheMeanDistanceToTheNearestNormalCodes) {
  detect::LoadedDetector ld = fitted(detect::ScoreKind::Knn);
  const detect::ScoreState& st = ld.detector().members[0].state;
  const int64_t k = 2, m = static_cast<int64_t>(st.normal_codes.size()) / k;
  ASSERT_EQ(m, 1000);
  data::Dataset d = synthetic("1");
  const std::vector<double> s = ld.score(d);
  // Brute force for a few rows, from the codes of the same model.
  const run::LoadedRun& r = ld.main_run();
  std::vector<float> x = d.x;
  r.scaler.transform(x.data(), d.n, 10);
  std::vector<float> z = r.model->encode(Tensor::from_vector({d.n, 10}, x)).to_vector();
  // The stored codes are standardised per unit with the normal codes' statistics; so is z.
  ASSERT_EQ(st.code_mean.size(), 2u);
  for (size_t i = 0; i < z.size(); ++i)
    z[i] = static_cast<float>((z[i] - st.code_mean[i % 2]) / st.code_scale[i % 2]);
  double m0 = 0;
  for (int64_t j = 0; j < m; ++j) m0 += st.normal_codes[j * k] / static_cast<double>(m);
  EXPECT_NEAR(m0, 0.0, 1e-3);
  for (int64_t i = 0; i < d.n; i += 7) {
    std::vector<double> dist;
    for (int64_t j = 0; j < m; ++j) {
      const double a = z[i * k] - st.normal_codes[j * k],
                   b = z[i * k + 1] - st.normal_codes[j * k + 1];
      dist.push_back(std::sqrt(a * a + b * b));
    }
    std::sort(dist.begin(), dist.end());
    const double want = (dist[0] + dist[1] + dist[2] + dist[3] + dist[4]) / 5;
    EXPECT_NEAR(s[i], want, 1e-4 * (1 + want)) << i;
  }
  // The codes travel with the saved detector.
  ld.save();
  EXPECT_TRUE(fs::exists(fs::path(tabular_run()) / "detector_codes.safetensors"));
  detect::LoadedDetector back = detect::LoadedDetector::load(tabular_run(), Device::cpu());
  EXPECT_EQ(back.score(d), s);
  fs::remove(fs::path(tabular_run()) / "detector.json");
  fs::remove(fs::path(tabular_run()) / "detector_codes.safetensors");
}

TEST(Detector, SavedDetectorScoresIdenticallyAfterReload) {
  detect::LoadedDetector ld = fitted(detect::ScoreKind::Mahalanobis);
  ld.detector().threshold = 3.5;
  ld.detector().rule = detect::parse_threshold("value:3.5", "--t");
  ld.save();
  detect::LoadedDetector back = detect::LoadedDetector::load(tabular_run(), Device::cpu());
  EXPECT_EQ(back.detector().threshold, 3.5);
  EXPECT_EQ(back.detector().normal_classes, std::vector<int32_t>{0});
  data::Dataset d = synthetic();
  EXPECT_EQ(ld.score(d), back.score(d));
  fs::remove(fs::path(tabular_run()) / "detector.json");
}

TEST(Detector, EnsembleOfOneMemberTwiceStandardises) {
  detect::Detector d;
  d.members = detect::make_members({".", "."}, {detect::ScoreKind::MSE});
  d.normal_classes = {0};
  detect::LoadedDetector ld(tabular_run(), d, Device::cpu());
  data::Dataset normal = synthetic("0");
  // fit_members returns the detector's scores of the held-out tenth it standardised on.
  const std::vector<double> calib = ld.fit_members(normal);
  ASSERT_EQ(calib.size(), 100u);
  const detect::Summary sum = detect::summarize(calib);
  EXPECT_NEAR(sum.mean, 0.0, 1e-9);  // standardised on exactly these rows
  EXPECT_NEAR(sum.std, 1.0, 1e-2);
  EXPECT_NEAR(detect::summarize(ld.score(normal)).mean, 0.0, 0.3);  // and close on all the others
  ld.detector().combine = "median";
  EXPECT_EQ(ld.score(normal).size(), 1000u);
}

// Each model-free score is exactly its apps/analysis detector fitted on the run's scaled normal
// rows, and the saved detector (JSON + arrays) scores identically after a reload.
TEST(Detector, ModelFreeScoresAreTheClassicalDetectorsAndSurviveAReload) {
  data::Dataset normal = synthetic("0"), all = synthetic();
  const run::LoadedRun& r = tabular_loaded();
  std::vector<float> xn = normal.x, xa = all.x;
  r.scaler.transform(xn.data(), normal.n, 10);
  r.scaler.transform(xa.data(), all.n, 10);
  for (detect::ScoreKind k : {detect::ScoreKind::IForest, detect::ScoreKind::Lof,
                              detect::ScoreKind::Ecod, detect::ScoreKind::Pca}) {
    detect::LoadedDetector ld = fitted(k);
    const std::vector<double> s = ld.score(all);
    // The final state is fitted on every normal row: the direct fit with the member's seed agrees.
    const uint64_t seed = ld.detector().members[0].state.seed;
    std::vector<double> want;
    switch (k) {
      case detect::ScoreKind::IForest: {
        analysis::IsolationForestOptions o;
        o.seed = seed;
        want = analysis::IsolationForest::fit(xn.data(), normal.n, 10, o).score(xa.data(), all.n);
        break;
      }
      case detect::ScoreKind::Lof:
        want = analysis::LocalOutlierFactor::fit(xn.data(), normal.n, 10).score(xa.data(), all.n);
        break;
      case detect::ScoreKind::Ecod: {
        analysis::EcodOptions o;
        o.seed = seed;
        want = analysis::Ecod::fit(xn.data(), normal.n, 10, o).score(xa.data(), all.n);
        break;
      }
      default: want = analysis::PcaOutlier::fit(xn.data(), normal.n, 10).score(xa.data(), all.n);
    }
    EXPECT_EQ(s, want) << detect::score_name(k);
    std::vector<int> y(all.y.begin(), all.y.end());
    EXPECT_GT(detect::auroc(s, y), 0.9) << detect::score_name(k);
    ld.save();
    detect::LoadedDetector back = detect::LoadedDetector::load(tabular_run(), Device::cpu());
    EXPECT_EQ(back.score(all), s) << detect::score_name(k);
    fs::remove(fs::path(tabular_run()) / "detector.json");
    fs::remove(fs::path(tabular_run()) / "detector_codes.safetensors");
  }
}

// mse-view with the identity view is plain mse; a power changes it as computed by hand.
TEST(Detector, MseViewIsTheErrorInTheView) {
  data::Dataset d = synthetic("0");
  const std::vector<double> mse = fitted(detect::ScoreKind::MSE).score(d);
  const std::vector<double> view = fitted(detect::ScoreKind::MseView).score(d);
  ASSERT_EQ(mse.size(), view.size());
  for (size_t i = 0; i < mse.size(); i += 37)
    EXPECT_NEAR(view[i], mse[i], 1e-5 * (1 + mse[i])) << i;
}

// The held-out calibration rows set the percentile threshold: about 5% of unseen normal rows
// fall above it (a threshold from the fitted rows themselves would flag far fewer for knn).
TEST(Detector, CalibrationRowsAreHeldOut) {
  detect::Detector d;
  d.members = detect::make_members({"."}, {detect::ScoreKind::KnnInput});
  detect::LoadedDetector ld(tabular_run(), d, Device::cpu());
  data::Dataset normal = synthetic("0");
  auto [fit, later] = data::split_validation(normal, 0.5, 99);
  const std::vector<double> calib = ld.fit_members(fit);
  EXPECT_EQ(calib.size(), 50u);
  const double thr = detect::threshold_percentile(calib, 95.0);
  int above = 0;
  for (double v : ld.score(later)) above += v > thr;
  EXPECT_GT(above, 5);   // 1% of 500
  EXPECT_LT(above, 75);  // 15%
  int self_above = 0;
  for (double v : ld.score(fit)) self_above += v > thr;
  EXPECT_LT(self_above, above);  // scored against itself, a row looks more normal
}

TEST(Detector, LabelsAndScoreKindErrors) {
  data::Dataset d = synthetic();
  const detect::LabelledRows lr = detect::label_rows(d, {0}, {1}, "--data");
  EXPECT_EQ(lr.rows.size(), static_cast<size_t>(d.n));
  EXPECT_THROW(detect::label_rows(d, {}, {1}, "--data"), UsageError);
  EXPECT_THROW(detect::label_rows(d, {0}, {0}, "--data"), UsageError);
  data::Dataset unlabelled = d;
  unlabelled.y.clear();
  EXPECT_THROW(detect::label_rows(unlabelled, {0}, {}, "--data"), UsageError);
  // AUROC needs both classes.
  const detect::LabelledRows only_normal = detect::label_rows(synthetic("0"), {0}, {1}, "--data");
  std::vector<double> s(only_normal.rows.size(), 1.0);
  EXPECT_THROW(detect::auroc(s, only_normal.labels), Error);
  // elbo needs a VAE; bce a sigmoid output.
  for (detect::ScoreKind k : {detect::ScoreKind::Elbo, detect::ScoreKind::BCE}) {
    detect::Detector det;
    det.members = detect::make_members({"."}, {k});
    detect::LoadedDetector ld(tabular_run(), det, Device::cpu());
    EXPECT_THROW(ld.fit_members(synthetic("0")), UsageError);
  }
  EXPECT_EQ(detect::parse_score_list("mse,mahalanobis", "--score").size(), 2u);
  EXPECT_THROW(detect::parse_score_list("mse,mse", "--score"), UsageError);
  EXPECT_THROW(detect::parse_score_list("mse,", "--score"), UsageError);
}

}  // namespace
}  // namespace hg
